// CDK app entry: one Switchboard stack for the tenant named by `-c tenant=<name>`, checked by cdk-nag's AWS Solutions pack.
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createTenantStack } from './stack';
import { TenantSettingsError } from './tenant';

const app = new App();

try {
  createTenantStack(app);
} catch (error) {
  if (!(error instanceof TenantSettingsError)) throw error;
  // A settings mistake is the operator's to fix; a stack trace would only bury the one line that says how.
  console.error(error.message);
  process.exit(1);
}

Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));

// `npm run bootstrap-admin -- "Name" email@example.org`: creates a deployed tenant's first admin — the operator record
// and its Cognito login (username = operator id) — since the admin API itself needs an admin to call it.
// Needs AWS credentials and TABLE_NAME, USER_POOL_ID (the stack outputs) and AWS_REGION in the environment.
import { provisionLogin } from '../shared/platform/logins';
import { insertOperator } from '../shared/store/operators';

async function main() {
  const [name, email] = process.argv.slice(2);
  if (!name || !email || !process.env.TABLE_NAME || !process.env.USER_POOL_ID) {
    console.error(
      'Usage: TABLE_NAME=… USER_POOL_ID=… AWS_REGION=… npm run bootstrap-admin -- "Full Name" email@example.org',
    );
    process.exit(2);
  }
  const admin = await insertOperator({ name, email, role: 'admin', groupIds: [], capacity: 5, enabled: true });
  await provisionLogin(admin);
  console.log(`Admin ${admin.operatorId} created; Cognito has e-mailed ${email} a temporary password.`);
}

main().catch((error: unknown) => {
  console.error(`bootstrap-admin: ${(error as Error).message}`);
  process.exit(1);
});

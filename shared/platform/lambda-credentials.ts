// Credentials inside Lambda: the function's role credentials are in its environment, so the bundled SDK clients read
// them from there instead of carrying the whole default chain (SSO, ini files, web identity through STS, login …,
// about 60 KB of every bundle and its load time). Bundling aliases `@aws-sdk/credential-provider-node` to this module
// (infra/constructs/switchboard-function.ts); tests, the local stack and commands run unbundled with the full chain.
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** The SDK's `defaultProvider`, as the clients' runtime configuration calls it. */
export function defaultProvider(_init?: unknown): AwsCredentialIdentityProvider {
  return async (): Promise<AwsCredentialIdentity> => {
    const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = process.env;
    if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY) {
      throw new Error('No AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)');
    }
    return {
      accessKeyId: AWS_ACCESS_KEY_ID,
      secretAccessKey: AWS_SECRET_ACCESS_KEY,
      ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}),
    };
  };
}

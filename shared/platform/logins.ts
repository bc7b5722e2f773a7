// Operator logins: the Cognito user behind each operator (username = operator id), invited by e-mail and enabled or
// disabled with the operator record. Without USER_POOL_ID (the local stack) both calls do nothing: the local token
// issuer mints tokens for any operator, so there is no login to keep in step.
import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { readConfig } from './config';

/** Environment the stack sets: the operators' user pool. Unset locally, which turns this module into a no-op. */
export const LOGIN_ENV = { userPoolId: 'USER_POOL_ID' } as const;

// Created on first use, so handlers that never manage logins never construct it (and esbuild drops the SDK).
let cognitoClient: CognitoIdentityProviderClient | undefined;

function cognito(): CognitoIdentityProviderClient {
  cognitoClient ??= new CognitoIdentityProviderClient({ region: readConfig().region });
  return cognitoClient;
}

function userPoolId(): string | undefined {
  return process.env[LOGIN_ENV.userPoolId] || undefined;
}

const errorName = (error: unknown): string | undefined => (error as { name?: string } | undefined)?.name;

/**
 * Creates the operator's login and has Cognito e-mail the invite with a temporary password. The address is marked
 * verified because an admin entered it, so it works for sign-in and password recovery at once. A login that already
 * exists (a retried create) is left as it is.
 */
export async function provisionLogin(operator: { operatorId: string; email: string; name: string }): Promise<void> {
  const pool = userPoolId();
  if (!pool) return;
  try {
    await cognito().send(
      new AdminCreateUserCommand({
        UserPoolId: pool,
        Username: operator.operatorId,
        UserAttributes: [
          { Name: 'email', Value: operator.email },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'name', Value: operator.name },
        ],
        DesiredDeliveryMediums: ['EMAIL'],
      }),
    );
  } catch (error) {
    if (errorName(error) !== 'UsernameExistsException') throw error;
  }
}

/**
 * Lets the operator sign in again, or stops it. Disabling a login that does not exist has nothing to stop; enabling
 * one is an inconsistency an admin must hear about, so it fails.
 */
export async function setLoginEnabled(operatorId: string, enabled: boolean): Promise<void> {
  const pool = userPoolId();
  if (!pool) return;
  const input = { UserPoolId: pool, Username: operatorId };
  try {
    await cognito().send(enabled ? new AdminEnableUserCommand(input) : new AdminDisableUserCommand(input));
  } catch (error) {
    if (errorName(error) !== 'UserNotFoundException') throw error;
    if (enabled) throw new Error(`Operator ${operatorId} has no login in user pool ${pool}`, { cause: error });
  }
}

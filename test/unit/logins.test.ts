// O4 operator logins against a mocked Cognito: the invite on create, tolerated retries, enable/disable, and the local
// stack (no USER_POOL_ID) where nothing is sent.
import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  CognitoIdentityProviderClient,
  UserNotFoundException,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LOGIN_ENV, provisionLogin, setLoginEnabled } from '../../shared/platform/logins';

const POOL = 'us-east-1_Test1234';
const operator = { operatorId: 'op_abc123', email: 'ada@acme.example', name: 'Ada Admin' };

const cognito = mockClient(CognitoIdentityProviderClient);

beforeEach(() => {
  cognito.reset();
  vi.stubEnv(LOGIN_ENV.userPoolId, POOL);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

afterAll(() => {
  cognito.restore();
});

describe('O4: provisionLogin', () => {
  it('O4: creates the login named by the operator id, with a verified e-mail and an e-mailed invite', async () => {
    cognito.on(AdminCreateUserCommand).resolves({});
    await provisionLogin(operator);
    const calls = cognito.commandCalls(AdminCreateUserCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      UserPoolId: POOL,
      Username: 'op_abc123',
      UserAttributes: [
        { Name: 'email', Value: 'ada@acme.example' },
        { Name: 'email_verified', Value: 'true' },
        { Name: 'name', Value: 'Ada Admin' },
      ],
      DesiredDeliveryMediums: ['EMAIL'],
    });
    // No MessageAction: Cognito sends the invite with a temporary password (SUPPRESS would not, RESEND needs a user).
    expect(calls[0]?.args[0].input.MessageAction).toBeUndefined();
    expect(calls[0]?.args[0].input.TemporaryPassword).toBeUndefined();
  });

  it('O4: a login that already exists is fine (a retried create)', async () => {
    cognito
      .on(AdminCreateUserCommand)
      .rejects(new UsernameExistsException({ message: 'User account already exists', $metadata: {} }));
    await expect(provisionLogin(operator)).resolves.toBeUndefined();
    expect(cognito.commandCalls(AdminCreateUserCommand)).toHaveLength(1);
  });

  it('O4: any other Cognito failure reaches the caller', async () => {
    const failure = Object.assign(new Error('An account with the email already exists.'), {
      name: 'AliasExistsException',
    });
    cognito.on(AdminCreateUserCommand).rejects(failure);
    await expect(provisionLogin(operator)).rejects.toThrow('An account with the email already exists.');
  });
});

describe('O4: setLoginEnabled', () => {
  it('O4: disabling sends AdminDisableUser for the operator id', async () => {
    cognito.on(AdminDisableUserCommand).resolves({});
    await setLoginEnabled('op_abc123', false);
    expect(cognito.commandCalls(AdminDisableUserCommand).map((call) => call.args[0].input)).toEqual([
      { UserPoolId: POOL, Username: 'op_abc123' },
    ]);
    expect(cognito.commandCalls(AdminEnableUserCommand)).toHaveLength(0);
  });

  it('O4: enabling sends AdminEnableUser for the operator id', async () => {
    cognito.on(AdminEnableUserCommand).resolves({});
    await setLoginEnabled('op_abc123', true);
    expect(cognito.commandCalls(AdminEnableUserCommand).map((call) => call.args[0].input)).toEqual([
      { UserPoolId: POOL, Username: 'op_abc123' },
    ]);
    expect(cognito.commandCalls(AdminDisableUserCommand)).toHaveLength(0);
  });

  it('O4: disabling an operator without a login has nothing to stop', async () => {
    cognito
      .on(AdminDisableUserCommand)
      .rejects(new UserNotFoundException({ message: 'User does not exist.', $metadata: {} }));
    await expect(setLoginEnabled('op_nologin', false)).resolves.toBeUndefined();
  });

  it('O4: enabling an operator without a login fails', async () => {
    cognito
      .on(AdminEnableUserCommand)
      .rejects(new UserNotFoundException({ message: 'User does not exist.', $metadata: {} }));
    await expect(setLoginEnabled('op_nologin', true)).rejects.toThrow(/op_nologin has no login/);
  });
});

describe('O4: without USER_POOL_ID (the local stack)', () => {
  it.each(['', undefined])('O4: USER_POOL_ID=%o sends no command at all', async (value) => {
    vi.stubEnv(LOGIN_ENV.userPoolId, value);
    await provisionLogin(operator);
    await setLoginEnabled('op_abc123', false);
    await setLoginEnabled('op_abc123', true);
    expect(cognito.calls()).toHaveLength(0);
  });
});

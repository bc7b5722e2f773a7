// The tenant's operator sign-in: a Cognito user pool whose usernames are operator ids, and the one app client operators use.
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolRiskConfigurationAttachment,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

/** Temporary passwords in invites expire after this; the invite text says so. */
const TEMPORARY_PASSWORD_DAYS = 7;

/** What shared/platform/logins.ts calls on the pool: create the login, switch it on and off, and look it up. */
export const LOGIN_ADMIN_ACTIONS = [
  'cognito-idp:AdminCreateUser',
  'cognito-idp:AdminDisableUser',
  'cognito-idp:AdminEnableUser',
  'cognito-idp:AdminGetUser',
] as const;

/**
 * The scope Cognito puts in every access token it issues through its sign-in API (SRP). API Gateway's JWT authorizer
 * does not look at `token_use`, and an ID token of the same client carries the same `aud`/issuer but no `scope`, so
 * requiring this scope is what keeps ID tokens out.
 */
export const OPERATOR_TOKEN_SCOPE = 'aws.cognito.signin.user.admin';

export interface OperatorUserPoolProps {
  readonly tenant: string;
}

export class OperatorUserPool extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  /** The `iss` of the pool's tokens, as the JWT authorizer and shared/realtime/operator-tokens.ts compare it. */
  readonly issuer: string;

  constructor(scope: Construct, id: string, props: OperatorUserPoolProps) {
    super(scope, id);
    this.userPool = new UserPool(this, 'Pool', {
      userPoolName: `switchboard-${props.tenant}-operators`,
      // Operators exist only when an admin creates them (shared/store/operators.ts provisions the login with the record).
      selfSignUpEnabled: false,
      // The username is the operator id, which the access token's `username` claim carries to the handlers. The
      // e-mail alias lets people sign in with the address they were invited at instead of a generated id; aliases
      // cannot be changed once the pool exists, and shared/store/operators.ts already keeps e-mails unique.
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      // Required attributes can never be changed on an existing pool: only the e-mail the invite goes to is.
      standardAttributes: { email: { required: true, mutable: true }, fullname: { required: false, mutable: true } },
      autoVerify: { email: true },
      // An e-mail changed through the token holder's own API stays inactive until the new address is verified.
      keepOriginal: { email: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        passwordHistorySize: 5,
        tempPasswordValidity: Duration.days(TEMPORARY_PASSWORD_DAYS),
      },
      userInvitation: {
        emailSubject: 'Your Switchboard operator account',
        emailBody:
          `You have been added as an operator of the ${props.tenant} support desk. Sign in with this e-mail address ` +
          `(or the user name {username}) and the temporary password {####} within ${TEMPORARY_PASSWORD_DAYS} days; ` +
          'you will then choose your own password.',
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      // Plus plan threat protection, acting as configured below rather than only reporting.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      // Logins outlive any one deployment, like the table that holds their operator records.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Spelled out instead of left to service defaults: known-leaked passwords never sign in, and the riskier a sign-in
    // looks, the more a second factor is demanded; at high risk an operator without one is blocked.
    new CfnUserPoolRiskConfigurationAttachment(this, 'ThreatProtection', {
      userPoolId: this.userPool.userPoolId,
      clientId: 'ALL',
      compromisedCredentialsRiskConfiguration: { actions: { eventAction: 'BLOCK' } },
      accountTakeoverRiskConfiguration: {
        actions: {
          lowAction: { eventAction: 'NO_ACTION', notify: false },
          mediumAction: { eventAction: 'MFA_IF_CONFIGURED', notify: false },
          highAction: { eventAction: 'MFA_REQUIRED', notify: false },
        },
      },
    });
    NagSuppressions.addResourceSuppressions(this.userPool, [
      {
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is optional (TOTP): every operator can enrol an authenticator, and threat protection (Plus plan, ' +
          'enforced) blocks leaked passwords and demands the second factor for risky sign-ins, blocking high-risk ones ' +
          'without it. Required MFA would make each operator enrol an authenticator app before first use, which ' +
          'support desks on shared workstations cannot always do.',
      },
    ]);

    this.client = this.userPool.addClient('OperatorClient', {
      userPoolClientName: `switchboard-${props.tenant}-operators`,
      // A browser front end cannot keep a secret.
      generateSecret: false,
      // SRP only: the password never leaves the browser, and no server-side password flow exists to be abused.
      authFlows: { userSrp: true, userPassword: false, adminUserPassword: false, custom: false },
      // No hosted UI: tokens come from the sign-in API, which is what puts OPERATOR_TOKEN_SCOPE into them.
      disableOAuth: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
    });

    // The form Cognito writes into `iss`; API Gateway's own user pool authorizer builds it the same way.
    this.issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${this.userPool.userPoolId}`;
  }

  /** The login administration shared/platform/logins.ts performs, on this pool only. */
  grantLoginAdmin(grantee: IGrantable): void {
    this.userPool.grant(grantee, ...LOGIN_ADMIN_ACTIONS);
  }
}

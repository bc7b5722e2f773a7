// The local stand-in for the Cognito user pool: an RS256 key pair made at start, its public JWK set (the local gateway
// serves it at /.well-known/jwks.json) and access tokens shaped like Cognito's, so the deployed verification code
// (shared/realtime/operator-tokens.ts) runs unchanged against it.
//
// The local stack uses the HTTP API's URL as the issuer and sets, as the CDK stack does from the user pool:
//   TOKEN_ISSUER=http://127.0.0.1:<httpPort>
//   TOKEN_JWKS_URI=http://127.0.0.1:<httpPort>/.well-known/jwks.json
//   TOKEN_CLIENT_ID=switchboard-local
import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { TOKEN_ENV } from '../../shared/realtime/operator-tokens';

export const LOCAL_TOKEN_CLIENT_ID = 'switchboard-local';
/** Cognito's default access-token lifetime. */
const DEFAULT_EXPIRES_IN_SECONDS = 3600;

export interface TokenIssuerOptions {
  /** The `iss` of every token; the JWKS is published at `<issuer>/.well-known/jwks.json`. */
  issuer: string;
  /** The app client id (`client_id` claim). */
  clientId: string;
}

export interface MintOptions {
  /** Negative values mint an already expired token. */
  expiresInSeconds?: number;
}

export interface TokenIssuer {
  readonly issuer: string;
  readonly clientId: string;
  readonly jwksUri: string;
  /** The public key set, as Cognito publishes it. */
  jwks(): { keys: JWK[] };
  /** A Cognito-style access token for an operator: `username` is the operator id. */
  mintAccessToken(operatorId: string, options?: MintOptions): Promise<string>;
  /** Signs arbitrary claims with the issuer's key (tests use it to forge near-miss tokens). */
  sign(claims: JWTPayload): Promise<string>;
  /** The TOKEN_* environment that points the verification at this issuer. */
  env(): Record<string, string>;
}

/** Cognito's `sub` is a UUID distinct from the username; a stable one per operator keeps local tokens realistic. */
function subOf(operatorId: string): string {
  const hex = createHash('sha256').update(operatorId).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export async function createTokenIssuer(options: TokenIssuerOptions): Promise<TokenIssuer> {
  const issuer = options.issuer.replace(/\/$/, '');
  const kid = randomUUID();
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const sign = (claims: JWTPayload) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
  const jwksUri = `${issuer}/.well-known/jwks.json`;

  return {
    issuer,
    clientId: options.clientId,
    jwksUri,
    jwks: () => ({ keys: [publicJwk] }),
    sign,
    mintAccessToken(operatorId, mint = {}) {
      const now = Math.floor(Date.now() / 1000);
      return sign({
        sub: subOf(operatorId),
        iss: issuer,
        version: 2,
        client_id: options.clientId,
        origin_jti: randomUUID(),
        event_id: randomUUID(),
        token_use: 'access',
        scope: 'aws.cognito.signin.user.admin',
        auth_time: now,
        exp: now + (mint.expiresInSeconds ?? DEFAULT_EXPIRES_IN_SECONDS),
        iat: now,
        jti: randomUUID(),
        username: operatorId,
      });
    },
    env: () => ({ [TOKEN_ENV.issuer]: issuer, [TOKEN_ENV.jwksUri]: jwksUri, [TOKEN_ENV.clientId]: options.clientId }),
  };
}

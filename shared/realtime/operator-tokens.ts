// Operator access tokens (Cognito user pool access tokens, RS256): the one verification, used by the WebSocket
// authorizer in AWS and by the local gateway's HTTP JWT authorizer, so both accept and refuse exactly the same tokens.
import { JwtVerifier } from 'aws-jwt-verify';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { unauthorized } from '../domain/errors';

/**
 * Environment the stack sets on the functions that verify operator tokens:
 * - TOKEN_ISSUER: the `iss` every token must carry, `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`.
 * - TOKEN_JWKS_URI: where the signing keys are published; defaults to `<issuer>/.well-known/jwks.json`.
 * - TOKEN_CLIENT_ID: the user pool app client operators sign in through; tokens of other clients are refused.
 */
export const TOKEN_ENV = {
  issuer: 'TOKEN_ISSUER',
  jwksUri: 'TOKEN_JWKS_URI',
  clientId: 'TOKEN_CLIENT_ID',
} as const;

export interface TokenConfig {
  issuer: string;
  jwksUri: string;
  clientId: string;
}

export interface VerifiedOperatorToken {
  /** The `username` claim: Cognito usernames are operator ids (see shared/platform/logins.ts). */
  operatorId: string;
  claims: Record<string, unknown>;
}

/** Far above any Cognito access token; anything longer is refused before it is parsed. */
const MAX_TOKEN_LENGTH = 8 * 1024;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A missing setting is a deployment fault, not a bad token: it fails loudly (500) instead of refusing everyone. */
export function readTokenConfig(env: NodeJS.ProcessEnv = process.env): TokenConfig {
  const issuer = env[TOKEN_ENV.issuer];
  const clientId = env[TOKEN_ENV.clientId];
  if (!issuer || !clientId) {
    throw new Error(`${TOKEN_ENV.issuer} and ${TOKEN_ENV.clientId} must be set to verify operator tokens`);
  }
  return { issuer, clientId, jwksUri: env[TOKEN_ENV.jwksUri] || `${issuer.replace(/\/$/, '')}/.well-known/jwks.json` };
}

type Verify = (token: string) => Promise<JwtPayload>;

// One verifier per configuration: it caches the JWKS, so keys are fetched once per container, not once per token.
const verifiers = new Map<string, Verify>();

function verifierFor(config: TokenConfig): Verify {
  const cacheKey = JSON.stringify(config);
  const cached = verifiers.get(cacheKey);
  if (cached) return cached;
  const verifier = JwtVerifier.create(
    {
      issuer: config.issuer,
      jwksUri: config.jwksUri,
      // Cognito access tokens carry no `aud`; the app client is in `client_id`, checked below.
      audience: null,
      customJwtCheck: ({ payload }) => {
        // An ID token of the same pool verifies with the same keys; only access tokens are credentials here.
        if (payload.token_use !== 'access') throw new Error('not an access token');
        if (payload.client_id !== config.clientId) throw new Error('issued to another app client');
      },
    },
    jwksCacheFor(config.jwksUri),
  );
  const verify: Verify = (token) => verifier.verify(token);
  verifiers.set(cacheKey, verify);
  return verify;
}

/**
 * aws-jwt-verify fetches keys over https only. The local issuer serves them over plain http on a loopback address,
 * which is allowed for that case alone; any other http URI is a configuration error.
 */
function jwksCacheFor(jwksUri: string): { jwksCache: SimpleJwksCache } | undefined {
  const url = new URL(jwksUri);
  if (url.protocol === 'https:') return undefined;
  if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new Error(`${TOKEN_ENV.jwksUri} must be an https URL (plain http only on a loopback address)`);
  }
  const fetcher: Fetcher = {
    async fetch(uri) {
      const response = await fetch(uri, { signal: AbortSignal.timeout(3_000) });
      if (response.status !== 200) throw new Error(`JWKS answered ${response.status}`);
      return response.arrayBuffer();
    },
  };
  return { jwksCache: new SimpleJwksCache({ fetcher }) };
}

/**
 * Verifies signature (RS256 against the issuer's JWKS; `none` and HMAC are refused), issuer, expiry, token_use and
 * client_id. Any failure is `unauthorized` with a message that never says which check failed.
 */
export async function verifyOperatorToken(token: string): Promise<VerifiedOperatorToken> {
  const verify = verifierFor(readTokenConfig());
  let payload: JwtPayload;
  try {
    if (token.length > MAX_TOKEN_LENGTH) throw new Error('token too long');
    payload = await verify(token);
  } catch {
    throw unauthorized('The access token is invalid or has expired; sign in again.');
  }
  const operatorId = payload.username;
  if (typeof operatorId !== 'string' || operatorId.length === 0) {
    throw unauthorized('The access token names no operator.');
  }
  return { operatorId, claims: { ...payload } };
}

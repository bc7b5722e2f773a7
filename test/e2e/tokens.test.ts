// R1, O1, CH1 authentication end to end: real tokens from the local issuer through the local gateway's authorizers
// (the route table's WebSocket authorizer, the HTTP JWT authorizer) to the real handlers on DynamoDB Local.
import { createHmac, createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalGateway } from '../../infra/local/gateway';
import { createTokenIssuer, type TokenIssuer } from '../../infra/local/token-issuer';
import { issueConnectCode } from '../../shared/realtime/connect-codes';
import { findConnection } from '../../shared/realtime/connections';
import { startVisitorSession, type VisitorSession } from '../../shared/realtime/visitors';
import type { Operator } from '../../shared/store/operators';
import {
  seedGroup,
  seedOperator,
  seedWidgetChannel,
  startAuthGateway,
  WIDGET_ORIGIN,
  withToken,
} from '../support/operator-auth';
import { useTestTable } from '../support/table';
import { connectClient, refusedStatus, type TestClient } from './clients';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

let gateway: LocalGateway;
let tokens: TokenIssuer;
let operator: Operator;
let disabled: Operator;
const clients: TestClient[] = [];

beforeAll(async () => {
  await useTestTable();
  ({ gateway, tokens } = await startAuthGateway());
  const group = await seedGroup('First line');
  operator = await seedOperator({ role: 'supervisor', groupIds: [group.groupId] });
  disabled = await seedOperator({ enabled: false });
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await gateway?.close();
});

async function connect(token: string): Promise<TestClient> {
  const client = await connectClient(gateway, withToken(token));
  clients.push(client);
  return client;
}

async function whoami(client: TestClient): Promise<unknown> {
  client.send({ action: 'whoami', requestId: 'who' });
  return client.next();
}

/** Claims of a good access token for `operatorId`, to be bent one at a time. */
function accessClaims(operatorId: string): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: 'a1b2c3d4-0000-4000-a000-000000000000',
    iss: tokens.issuer,
    client_id: tokens.clientId,
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    auth_time: now,
    iat: now,
    exp: now + 3600,
    jti: 'jti',
    username: operatorId,
  };
}

function unsignedToken(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  return `${base64url(header)}.${base64url(claims)}.`;
}

/** The classic key-confusion forgery: HMAC-signed with the issuer's public key (PEM) as the secret. */
function hmacForgery(claims: Record<string, unknown>): string {
  const jwk = tokens.jwks().keys[0];
  if (!jwk) throw new Error('the issuer publishes no key');
  const pem = createPublicKey({ key: { ...jwk }, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  const input = `${base64url({ alg: 'HS256', typ: 'JWT', kid: jwk.kid })}.${base64url(claims)}`;
  return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
}

describe('R1: operators connect with a token; anything else is refused before $connect', () => {
  it('R1: a valid access token connects; whoami shows the operator with its current role and groups', async () => {
    const client = await connect(await tokens.mintAccessToken(operator.operatorId));
    expect(await whoami(client)).toEqual({
      type: 'reply',
      requestId: 'who',
      ok: true,
      data: {
        principal: `operator#${operator.operatorId}`,
        actor: { kind: 'operator', operatorId: operator.operatorId, role: 'supervisor', groupIds: operator.groupIds },
      },
    });
    expect(await findConnection(client.connectionId)).toMatchObject({
      principal: `operator#${operator.operatorId}`,
      audiences: expect.arrayContaining([`operator#${operator.operatorId}`, 'staff', `group#${operator.groupIds[0]}`]),
    });
  });

  it('R1: no token, an empty one or garbage is refused with 401', async () => {
    expect(await refusedStatus(gateway.wsUrl)).toBe(401);
    expect(await refusedStatus(`${gateway.wsUrl}?token=`)).toBe(401);
    expect(await refusedStatus(`${gateway.wsUrl}${withToken('not-a-jwt')}`)).toBe(401);
    expect(await refusedStatus(`${gateway.wsUrl}${withToken('a.b.c')}`)).toBe(401);
  });

  it('R1: an expired access token is refused with 401', async () => {
    const expired = await tokens.mintAccessToken(operator.operatorId, { expiresInSeconds: -60 });
    expect(await refusedStatus(`${gateway.wsUrl}${withToken(expired)}`)).toBe(401);
  });

  it.each([
    ['another issuer', { iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other' }],
    ['another app client', { client_id: 'someone-elses-client' }],
    ['an ID token (token_use id)', { token_use: 'id', aud: 'switchboard-local', client_id: undefined }],
    ['no username', { username: undefined }],
  ])('R1: a correctly signed token from %s is refused with 401', async (_what, bent) => {
    const token = await tokens.sign({ ...accessClaims(operator.operatorId), ...bent });
    expect(await refusedStatus(`${gateway.wsUrl}${withToken(token)}`)).toBe(401);
  });

  it('R1: `alg: none` and an HS256 token HMAC-signed with the public key are refused with 401', async () => {
    const kid = tokens.jwks().keys[0]?.kid;
    const claims = accessClaims(operator.operatorId);
    expect(await refusedStatus(`${gateway.wsUrl}${withToken(unsignedToken({ alg: 'none', kid }, claims))}`)).toBe(401);
    expect(await refusedStatus(`${gateway.wsUrl}${withToken(hmacForgery(claims))}`)).toBe(401);
  });

  it('R1: a token of another user pool (its own key and issuer) is refused with 401', async () => {
    const otherPool = await createTokenIssuer({
      issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool',
      clientId: tokens.clientId,
    });
    const token = await otherPool.mintAccessToken(operator.operatorId);
    expect(await refusedStatus(`${gateway.wsUrl}${withToken(token)}`)).toBe(401);
  });

  it('R1: a valid token of no operator of this deployment is refused with 401', async () => {
    const token = await tokens.mintAccessToken('op_nobody');
    expect(await refusedStatus(`${gateway.wsUrl}${withToken(token)}`)).toBe(401);
  });

  it('O1: a disabled operator’s valid token is refused with 403', async () => {
    const token = await tokens.mintAccessToken(disabled.operatorId);
    expect(await refusedStatus(`${gateway.wsUrl}${withToken(token)}`)).toBe(403);
  });
});

describe('R1: connect codes keep long-lived tokens out of URLs', () => {
  it('R1: a connect code connects once; the second use is refused with 401', async () => {
    const { code } = await issueConnectCode(operator.operatorId, new Date());
    const client = await connect(code);
    expect(await whoami(client)).toMatchObject({ ok: true, data: { principal: `operator#${operator.operatorId}` } });
    expect(await refusedStatus(`${gateway.wsUrl}${withToken(code)}`)).toBe(401);
  });

  it('R1: an expired connect code is refused with 401', async () => {
    const { code, expiresAt } = await issueConnectCode(operator.operatorId, new Date(Date.now() - 61_000));
    expect(Date.parse(expiresAt)).toBeLessThan(Date.now());
    expect(await refusedStatus(`${gateway.wsUrl}${withToken(code)}`)).toBe(401);
  });

  it('R1: an unknown connect code is refused with 401', async () => {
    expect(await refusedStatus(`${gateway.wsUrl}${withToken(`cc_${'A'.repeat(43)}`)}`)).toBe(401);
  });

  it('R1: POST /auth/connect-code without a bearer token or with a bad one is 401, with a good one 201', async () => {
    const url = `${gateway.httpUrl}/auth/connect-code`;
    const missing = await fetch(url, { method: 'POST' });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ message: 'Unauthorized' });
    const expired = await tokens.mintAccessToken(operator.operatorId, { expiresInSeconds: -60 });
    for (const bad of ['garbage', expired, hmacForgery(accessClaims(operator.operatorId))]) {
      const refused = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${bad}` } });
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({ message: 'Unauthorized' });
    }

    const issued = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokens.mintAccessToken(operator.operatorId)}` },
    });
    expect(issued.status).toBe(201);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    const body = (await issued.json()) as { code: string; expiresAt: string };
    expect(body.code).toMatch(/^cc_[\w-]{43}$/);
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(50_000);
    const client = await connect(body.code);
    expect(await whoami(client)).toMatchObject({ ok: true, data: { principal: `operator#${operator.operatorId}` } });
  });

  it('O1: POST /auth/connect-code for a disabled operator is 403', async () => {
    const response = await fetch(`${gateway.httpUrl}/auth/connect-code`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokens.mintAccessToken(disabled.operatorId)}` },
    });
    expect(response.status).toBe(403);
  });

  it('R1: the JWT authorizer hands the claims to the handler as strings (GET /me)', async () => {
    const response = await fetch(`${gateway.httpUrl}/me`, {
      headers: { authorization: `Bearer ${await tokens.mintAccessToken(operator.operatorId)}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ operatorId: operator.operatorId, role: 'supervisor' });
  });

  it('Foundation: the local issuer’s keys are served at /.well-known/jwks.json', async () => {
    const response = await fetch(`${gateway.httpUrl}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      keys: [expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) })],
    });
  });
});

describe('CH1: widget visitors connect with their visitor token', () => {
  let session: VisitorSession;

  beforeAll(async () => {
    const channel = await seedWidgetChannel(operator.groupIds[0] as string);
    session = await startVisitorSession({
      channel,
      sourceIp: '203.0.113.9',
      sessionsPerIpPerMinute: 10,
      now: new Date(),
    });
  });

  it('CH1: a visitor token connects as that visitor, and whoami shows the visitor', async () => {
    const client = await connectClient(gateway, withToken(session.visitorToken), { origin: WIDGET_ORIGIN });
    clients.push(client);
    expect(await whoami(client)).toEqual({
      type: 'reply',
      requestId: 'who',
      ok: true,
      data: {
        principal: `visitor#${session.clientId}`,
        actor: { kind: 'visitor', clientId: session.clientId, channelId: session.channelId },
      },
    });
    expect(await findConnection(client.connectionId)).toMatchObject({
      principal: `visitor#${session.clientId}`,
      audiences: [`visitor#${session.clientId}`],
    });
  });

  it('CH1: an unknown visitor token is refused with 401', async () => {
    expect(await refusedStatus(`${gateway.wsUrl}${withToken(`vt_${'x'.repeat(43)}`)}`)).toBe(401);
  });
});

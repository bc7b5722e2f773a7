import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRoutes } from '../../infra/routes';
import { type AuthGateway, seedOperator, startAuthGateway, withToken } from '../support/operator-auth';
import { useTestTable } from '../support/table';
import { connectClient, eventually, refusedStatus, type TestClient } from './clients';

let stack: AuthGateway;
let adminToken: string;
let supervisorToken: string;
let operatorToken: string;
const sockets: TestClient[] = [];

async function http(method: string, path: string, token: string | undefined, body?: unknown) {
  const response = await fetch(`${stack.gateway.httpUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

beforeAll(async () => {
  await useTestTable();
  stack = await startAuthGateway();
  const mint = async (role: 'admin' | 'supervisor' | 'operator') =>
    stack.tokens.mintAccessToken((await seedOperator({ role, name: `A ${role}` })).operatorId);
  adminToken = await mint('admin');
  supervisorToken = await mint('supervisor');
  operatorToken = await mint('operator');
});

afterAll(async () => {
  for (const socket of sockets) await socket.close().catch(() => undefined);
  await stack.gateway.close();
});

describe('O1–O4 identity flow on the local gateway', () => {
  it('an admin creates a group and an operator over HTTP; the operator connects and a supervisor sees it online', async () => {
    const group = await http('POST', '/admin/groups', adminToken, { name: 'Cards', strategy: 'manual' });
    expect(group.status).toBe(201);
    const operator = await http('POST', '/admin/operators', adminToken, {
      name: 'Nina',
      email: 'nina@bank.example',
      groupIds: [group.body?.groupId],
    });
    expect(operator.status).toBe(201);
    const ninaId = operator.body?.operatorId as string;

    const supervisor = await connectClient(stack.gateway, withToken(supervisorToken));
    sockets.push(supervisor);
    const ninaToken = await stack.tokens.mintAccessToken(ninaId);
    // Browsers trade the token for a one-minute, single-use connect code so the JWT never sits in a URL.
    const code = await http('POST', '/auth/connect-code', ninaToken);
    expect(code.status).toBe(201);
    const nina = await connectClient(stack.gateway, withToken(code.body?.code as string));
    sockets.push(nina);
    const presence = (await eventually(async () => {
      const frame = (await supervisor.next(1000)) as {
        event?: string;
        data?: { operatorId?: string; online?: boolean };
      };
      return frame.event === 'operator.presence' && frame.data?.operatorId === ninaId ? frame : undefined;
    }, 3000)) as { data: { online: boolean } };
    expect(presence.data.online).toBe(true);
    // The code was single use.
    expect(await refusedStatus(`${stack.gateway.wsUrl}${withToken(code.body?.code as string)}`)).toBe(401);
  });

  it('a bad token is refused at connect', async () => {
    expect(await refusedStatus(`${stack.gateway.wsUrl}${withToken('not-a-token')}`)).toBe(401);
    expect(await refusedStatus(stack.gateway.wsUrl)).toBe(401);
  });

  it('O4: every admin route refuses a supervisor and an operator with 403 forbidden/admin_only, and 401 without a token', async () => {
    const adminRoutes = httpRoutes.filter((route) => route.path.startsWith('/admin/'));
    expect(adminRoutes.length).toBeGreaterThan(10);
    for (const route of adminRoutes) {
      const path = route.path.replace(/\{[^}]+\}/g, 'x_1');
      const body = ['POST', 'PUT', 'PATCH'].includes(route.method) ? {} : undefined;
      for (const token of [supervisorToken, operatorToken]) {
        const response = await http(route.method, path, token, body);
        expect({
          route: `${route.method} ${route.path}`,
          status: response.status,
          error: response.body?.error,
        }).toMatchObject({
          status: 403,
          error: { code: 'forbidden', details: { reason: 'admin_only' } },
        });
      }
      expect((await http(route.method, path, undefined, body)).status).toBe(401);
    }
  });
});

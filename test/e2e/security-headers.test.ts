// X2/X3/R5 on the local gateway: answers that carry secrets or tokens are never cacheable, channel reads return no
// secret, the widget session limit says when to come back, and the public health check names nothing inside.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalGateway } from '../../infra/local/gateway';
import type { TokenIssuer } from '../../infra/local/token-issuer';
import type { ChannelConfig } from '../../shared/store/channels';
import { seedGroup, seedOperator, seedWidgetChannel, startAuthGateway } from '../support/operator-auth';
import { useTestTable } from '../support/table';

let gateway: LocalGateway;
let tokens: TokenIssuer;
let tableName: string;
let widget: ChannelConfig;
let adminToken: string;
let groupId: string;

beforeAll(async () => {
  ({ tableName } = await useTestTable());
  ({ gateway, tokens } = await startAuthGateway());
  groupId = (await seedGroup('Web')).groupId;
  widget = await seedWidgetChannel(groupId);
  const admin = await seedOperator({ role: 'admin' });
  adminToken = await tokens.mintAccessToken(admin.operatorId);
});

afterAll(async () => {
  await gateway.close();
});

function call(method: string, path: string, body?: unknown, token: string | undefined = adminToken) {
  return fetch(`${gateway.httpUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('X2: secret-bearing answers', () => {
  it('X2: every answer that carries a secret or a token says cache-control: no-store', async () => {
    const whatsapp = {
      phoneNumberId: '1065403',
      accessToken: 'EAAG-secret',
      appSecret: 'app-secret',
      verifyToken: 'verify-me-7',
    };
    const created = await call('POST', '/admin/channels', {
      kind: 'whatsapp',
      name: 'WA',
      defaultGroupId: groupId,
      settings: whatsapp,
    });
    expect(created.status).toBe(201);
    const { channelId } = (await created.json()) as { channelId: string; webhookSecret: string };
    const answers: Array<[string, Response]> = [
      ['channel create', created],
      ['secret rotate', await call('POST', `/admin/channels/${channelId}/secret`)],
      ['channel list', await call('GET', '/admin/channels')],
      ['channel read', await call('GET', `/admin/channels/${channelId}`)],
      ['connect code', await call('POST', '/auth/connect-code')],
      ['widget session', await call('POST', `/widget/${widget.channelId}/session`, undefined, undefined)],
    ];
    for (const [what, response] of answers) {
      expect(response.headers.get('cache-control'), what).toBe('no-store');
    }
  });

  it('X2: GET /admin/channels and GET /admin/channels/{id} return no WhatsApp token or secret', async () => {
    const whatsapp = {
      phoneNumberId: '2065403',
      accessToken: 'EAAG-hidden',
      appSecret: 'app-hidden',
      verifyToken: 'verify-hidden-9',
    };
    const created = await call('POST', '/admin/channels', {
      kind: 'whatsapp',
      name: 'WA 2',
      defaultGroupId: groupId,
      settings: whatsapp,
    });
    const { channelId } = (await created.json()) as { channelId: string };
    for (const path of ['/admin/channels', `/admin/channels/${channelId}`]) {
      const text = await (await call('GET', path)).text();
      expect(text).toContain('2065403');
      for (const secret of ['verify-hidden-9', 'EAAG-hidden', 'app-hidden', 'verifyToken', 'webhookSecret']) {
        expect(text, `${path} ${secret}`).not.toContain(secret);
      }
    }
  });
});

describe('R5/X3: public routes', () => {
  it('R5: the widget session limit answers 429 rate_limited with Retry-After', async () => {
    let refused: Response | undefined;
    for (let i = 0; i < 12 && !refused; i++) {
      const response = await call('POST', `/widget/${widget.channelId}/session`, undefined, undefined);
      if (response.status === 429) refused = response;
    }
    expect(refused?.status).toBe(429);
    const retryAfter = Number(refused?.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await refused?.json()) as { error?: { code?: string } } | undefined;
    expect(body?.error?.code).toBe('rate_limited');
  });

  it('X3: the public health check does not name the table', async () => {
    const health = await call('GET', '/health', undefined, undefined);
    expect(health.status).toBe(200);
    const text = await health.text();
    expect(text).not.toContain(tableName);
    expect(text).not.toMatch(/table/i);
  });
});

// O1–O4, S1, CH1, T2 admin API against DynamoDB Local: the real handlers, fed HTTP API v2 events as the JWT authorizer
// hands them over, with an admin seeded straight into the table.
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as categoriesHandler } from '../../functions/http/admin/categories';
import { handler as channelsHandler } from '../../functions/http/admin/channels';
import { handler as groupsHandler } from '../../functions/http/admin/groups';
import { handler as operatorsHandler } from '../../functions/http/admin/operators';
import { handler as settingsHandler } from '../../functions/http/admin/settings';
import { handler as webhooksHandler } from '../../functions/http/admin/webhooks';
import { handler as meHandler } from '../../functions/http/me';
import { httpRoutes } from '../../infra/routes';
import { resetClients } from '../../shared/platform/aws-clients';
import { connectionIdsOf, findConnection, recordConnection } from '../../shared/realtime/connections';
import { getChannel, getChannelWithSecrets } from '../../shared/store/channels';
import { getGroup, operatorsOfGroup } from '../../shared/store/groups';
import { getOperator, insertOperator, type Operator, type OperatorInput } from '../../shared/store/operators';
import { getWebhookSecret } from '../../shared/store/webhooks';
import { type HttpEventOptions, type HttpResponse, invoke } from '../support/http-event';
import { useTestTable } from '../support/table';

const handlers: Record<string, typeof groupsHandler> = {
  'functions/http/admin/operators.ts': operatorsHandler,
  'functions/http/admin/groups.ts': groupsHandler,
  'functions/http/admin/channels.ts': channelsHandler,
  'functions/http/admin/categories.ts': categoriesHandler,
  'functions/http/admin/settings.ts': settingsHandler,
  'functions/http/admin/webhooks.ts': webhooksHandler,
  'functions/http/me.ts': meHandler,
};

/** Calls a route through the handler the route table names for it, as `caller`. */
async function call(
  routeKey: string,
  caller: Operator | undefined,
  options: Omit<HttpEventOptions, 'operatorId'> = {},
): Promise<HttpResponse> {
  const route = httpRoutes.find((candidate) => `${candidate.method} ${candidate.path}` === routeKey);
  const handler = route && handlers[route.entry];
  if (!handler) throw new Error(`no route ${routeKey} in infra/routes.ts`);
  return invoke(handler, routeKey, caller ? { ...options, operatorId: caller.operatorId } : options);
}

/** The body of a successful response, typed loosely for assertions. */
function ok<T = Record<string, unknown>>(response: HttpResponse, status = 200): T {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  return response.body as T;
}

function errorOf(response: HttpResponse): { code: string; message: string; details?: Record<string, unknown> } {
  return (response.body as { error: { code: string; message: string; details?: Record<string, unknown> } }).error;
}

const idOf = (operator: Operator) => ({ operatorId: operator.operatorId });

const person = (name: string, overrides: Partial<OperatorInput> = {}): OperatorInput => ({
  name,
  email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.com`,
  role: 'operator',
  groupIds: [],
  capacity: 5,
  enabled: true,
  ...overrides,
});

let admin: Operator;
let supervisor: Operator;
let agent: Operator;

beforeAll(async () => {
  await useTestTable();
  process.env.WS_MANAGEMENT_ENDPOINT = 'http://127.0.0.1:9/local';
  resetClients();
  admin = await insertOperator(person('Ada Admin', { role: 'admin' }));
  supervisor = await insertOperator(person('Sam Supervisor', { role: 'supervisor' }));
  agent = await insertOperator(person('Olga Operator'));
});

async function newGroup(name: string): Promise<string> {
  return ok<{ groupId: string }>(await call('POST /admin/groups', admin, { body: { name } }), 201).groupId;
}

describe('O2/O4 operators and groups', () => {
  it('O2: an admin creates a group, then an operator in it; the group lists the operator', async () => {
    const group = ok(await call('POST /admin/groups', admin, { body: { name: 'First line' } }), 201);
    expect(group).toMatchObject({ name: 'First line', strategy: 'manual', memberCount: 0 });
    expect(group.groupId).toMatch(/^grp_/);

    const created = ok<Operator>(
      await call('POST /admin/operators', admin, {
        body: { name: 'Ivan Petrov', email: 'ivan@example.com', role: 'operator', groupIds: [group.groupId] },
      }),
      201,
    );
    expect(created).toMatchObject({ capacity: 5, enabled: true, role: 'operator', groupIds: [group.groupId] });
    expect(created.operatorId).toMatch(/^op_/);
    expect(await operatorsOfGroup(group.groupId as string)).toEqual([created.operatorId]);

    expect(ok(await call('GET /admin/operators/{operatorId}', admin, { pathParameters: idOf(created) }))).toEqual(
      created,
    );
    expect(
      ok(await call('GET /admin/groups/{groupId}', admin, { pathParameters: { groupId: `${group.groupId}` } })),
    ).toMatchObject({ memberCount: 1, operatorIds: [created.operatorId] });
  });

  it('O4: a duplicate e-mail, in any case, is a 409 naming the e-mail', async () => {
    const response = await call('POST /admin/operators', admin, {
      body: { name: 'Another Ada', email: 'ADA.ADMIN@example.com' },
    });
    expect(response.status).toBe(409);
    expect(errorOf(response)).toMatchObject({ code: 'conflict', details: { email: 'ADA.ADMIN@example.com' } });
    expect(errorOf(response).message).toContain('ADA.ADMIN@example.com');
  });

  it('O2: an unknown group id is a 400 naming the group, and nothing is written', async () => {
    const groupId = await newGroup('Billing');
    const body = { name: 'Nina', email: 'nina@example.com', groupIds: [groupId, 'grp_missing'] };
    const response = await call('POST /admin/operators', admin, { body });
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({
      code: 'invalid',
      message: "groupIds: group 'grp_missing' does not exist",
    });
    expect(await operatorsOfGroup(groupId)).toEqual([]);
    expect((await getGroup(groupId))?.memberCount).toBe(0);
    // The e-mail guard went with the failed transaction: the same e-mail is free.
    ok(await call('POST /admin/operators', admin, { body: { ...body, groupIds: [groupId] } }), 201);
  });

  it('O4: bad input is a 400 naming the field; unknown fields are rejected', async () => {
    const cases: [unknown, string][] = [
      [{ name: 'X', email: 'x@example.com', capacity: 101 }, 'capacity: must be at most 100'],
      [{ name: 'X', email: 'x@example.com', capacity: 2.5 }, 'capacity: must be a whole number'],
      [{ name: 'X', email: 'not-mail' }, 'email: must be an e-mail address'],
      [{ email: 'x@example.com' }, 'name: is required'],
      [{ name: 'X', email: 'x@example.com', role: 'owner' }, 'role: '],
      [{ name: 'X', email: 'x@example.com', groupIDs: [] }, 'Unrecognized key: "groupIDs"'],
    ];
    for (const [body, message] of cases) {
      const response = await call('POST /admin/operators', admin, { body });
      expect(response.status, message).toBe(400);
      expect(errorOf(response).message).toContain(message);
    }
    const response = await call('PATCH /admin/operators/{operatorId}', admin, {
      pathParameters: idOf(agent),
      body: {},
    });
    expect(errorOf(response).message).toBe('send at least one of name, role, groupIds, capacity, enabled');
  });

  it('O2: changing groupIds moves the membership items', async () => {
    const [from, to] = [await newGroup('Moves from'), await newGroup('Moves to')];
    const moving = await insertOperator(person('Mover', { groupIds: [from] }));
    const updated = ok<Operator>(
      await call('PATCH /admin/operators/{operatorId}', admin, {
        pathParameters: idOf(moving),
        body: { groupIds: [to] },
      }),
    );
    expect(updated.groupIds).toEqual([to]);
    expect(await operatorsOfGroup(from)).toEqual([]);
    expect(await operatorsOfGroup(to)).toEqual([moving.operatorId]);
    expect((await getGroup(from))?.memberCount).toBe(0);
    expect((await getGroup(to))?.memberCount).toBe(1);
  });

  it('O2: five concurrent updates of one operator leave membership consistent with its final groups', async () => {
    const groups = await Promise.all(['C0', 'C1', 'C2', 'C3', 'C4'].map(newGroup));
    const [g0, g1, g2, g3, g4] = groups as [string, string, string, string, string];
    const target = await insertOperator(person('Contended', { groupIds: [g0] }));
    const patches = [[g1], [g2, g3], [g4], [g1, g4], []];
    const responses = await Promise.all(
      patches.map((groupIds) =>
        call('PATCH /admin/operators/{operatorId}', admin, { pathParameters: idOf(target), body: { groupIds } }),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    const final = (await getOperator(target.operatorId))?.groupIds ?? [];
    expect(patches.map((p) => p.join())).toContain(final.join());
    for (const groupId of groups) {
      const members = await operatorsOfGroup(groupId);
      expect(members.includes(target.operatorId), groupId).toBe(final.includes(groupId));
      expect((await getGroup(groupId))?.memberCount, groupId).toBe(members.length);
    }
  });

  it('O4: lists page with an opaque cursor; a tampered cursor is a 400', async () => {
    const first = ok<{ items: Operator[]; nextCursor?: string }>(
      await call('GET /admin/operators', admin, { query: { limit: '2' } }),
    );
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toBeTypeOf('string');
    const second = ok<{ items: Operator[] }>(
      await call('GET /admin/operators', admin, { query: { limit: '2', cursor: first.nextCursor ?? '' } }),
    );
    expect(second.items.map((o) => o.operatorId)).not.toContain(first.items[0]?.operatorId);
    const foreign = Buffer.from(JSON.stringify({ gsi1pk: 'GROUPS', gsi1sk: 'x', pk: 'x', sk: 'x' })).toString(
      'base64url',
    );
    const tampered = await call('GET /admin/operators', admin, { query: { cursor: foreign } });
    expect(tampered.status).toBe(400);
    expect(errorOf(tampered).message).toMatch(/^cursor: /);
  });

  it('O4: unknown ids are 404 not_found', async () => {
    const requests: [string, HttpEventOptions][] = [
      ['GET /admin/operators/{operatorId}', { pathParameters: { operatorId: 'op_nobody' } }],
      ['PATCH /admin/operators/{operatorId}', { pathParameters: { operatorId: 'op_nobody' }, body: { capacity: 3 } }],
      ['GET /admin/groups/{groupId}', { pathParameters: { groupId: 'grp_none' } }],
      ['PATCH /admin/groups/{groupId}', { pathParameters: { groupId: 'grp_none' }, body: { name: 'x' } }],
      ['DELETE /admin/groups/{groupId}', { pathParameters: { groupId: 'grp_none' } }],
      ['GET /admin/channels/{channelId}', { pathParameters: { channelId: 'ch_none' } }],
      ['PATCH /admin/channels/{channelId}', { pathParameters: { channelId: 'ch_none' }, body: { enabled: false } }],
      ['POST /admin/channels/{channelId}/secret', { pathParameters: { channelId: 'ch_none' } }],
      ['PATCH /admin/categories/{categoryId}', { pathParameters: { categoryId: 'cat_none' }, body: { name: 'x' } }],
      ['DELETE /admin/categories/{categoryId}', { pathParameters: { categoryId: 'cat_none' } }],
    ];
    for (const [routeKey, options] of requests) {
      const response = await call(routeKey, admin, options);
      expect(response.status, routeKey).toBe(404);
      expect(errorOf(response).code).toBe('not_found');
    }
  });

  it('O1: an admin cannot disable itself or give up its own admin role', async () => {
    for (const body of [{ enabled: false }, { role: 'supervisor' }]) {
      const response = await call('PATCH /admin/operators/{operatorId}', admin, { pathParameters: idOf(admin), body });
      expect(response.status).toBe(409);
    }
    expect((await getOperator(admin.operatorId))?.role).toBe('admin');
  });

  it('O2: a group in use cannot be deleted; an unused one can', async () => {
    const withMember = await newGroup('Has a member');
    await insertOperator(person('Member', { groupIds: [withMember] }));
    const refused = await call('DELETE /admin/groups/{groupId}', admin, { pathParameters: { groupId: withMember } });
    expect(refused.status).toBe(409);
    expect(errorOf(refused).message).toContain('1 operator(s)');

    const defaultOfChannel = await newGroup('Default of a channel');
    ok(
      await call('POST /admin/channels', admin, {
        body: {
          kind: 'api',
          name: 'CRM',
          defaultGroupId: defaultOfChannel,
          settings: { callbackUrl: 'https://crm.example.com/h' },
        },
      }),
      201,
    );
    const alsoRefused = await call('DELETE /admin/groups/{groupId}', admin, {
      pathParameters: { groupId: defaultOfChannel },
    });
    expect(alsoRefused.status).toBe(409);
    expect(errorOf(alsoRefused).message).toContain('default group of 1 channel(s)');

    const unused = await newGroup('Unused');
    expect((await call('DELETE /admin/groups/{groupId}', admin, { pathParameters: { groupId: unused } })).status).toBe(
      204,
    );
    expect((await call('GET /admin/groups/{groupId}', admin, { pathParameters: { groupId: unused } })).status).toBe(
      404,
    );
  });
});

describe('O3 disabled operators', () => {
  const management = mockClient(ApiGatewayManagementApiClient);
  afterAll(() => management.restore());

  it('O3: disabling an operator closes its live WebSocket connections and drops their records', async () => {
    const leaving = await insertOperator(person('Leaving'));
    const principal = `operator#${leaving.operatorId}` as const;
    const connectedAt = new Date().toISOString();
    await recordConnection({ connectionId: 'c1', principal, audiences: ['ungrouped'], connectedAt });
    await recordConnection({ connectionId: 'c2-gone', principal, audiences: ['ungrouped'], connectedAt });
    management.reset();
    management.on(DeleteConnectionCommand, { ConnectionId: 'c1' }).resolves({});
    management
      .on(DeleteConnectionCommand, { ConnectionId: 'c2-gone' })
      .rejects(new GoneException({ message: 'gone', $metadata: {} }));

    ok(
      await call('PATCH /admin/operators/{operatorId}', admin, {
        pathParameters: idOf(leaving),
        body: { enabled: false },
      }),
    );

    const closed = management.commandCalls(DeleteConnectionCommand).map((c) => c.args[0].input.ConnectionId);
    expect(closed.sort()).toEqual(['c1', 'c2-gone']);
    expect(await findConnection('c1')).toBeUndefined();
    expect(await findConnection('c2-gone')).toBeUndefined();
    expect(await connectionIdsOf(principal)).toEqual([]);
    expect(await connectionIdsOf('ungrouped')).not.toContain('c1');
  });

  it('O2/O3: a change of role or groups closes live sockets (they listen as the old audiences); a rename does not', async () => {
    const groupId = await newGroup('Moving group');
    const moving = await insertOperator(person('Moving'));
    const principal = `operator#${moving.operatorId}` as const;
    const connect = (connectionId: string) =>
      recordConnection({ connectionId, principal, audiences: ['ungrouped'], connectedAt: new Date().toISOString() });
    management.reset();
    management.on(DeleteConnectionCommand).resolves({});
    const closedNow = () => management.commandCalls(DeleteConnectionCommand).map((c) => c.args[0].input.ConnectionId);

    await connect('m1');
    ok(
      await call('PATCH /admin/operators/{operatorId}', admin, {
        pathParameters: idOf(moving),
        body: { name: 'Renamed' },
      }),
    );
    expect(closedNow()).toEqual([]);
    ok(
      await call('PATCH /admin/operators/{operatorId}', admin, {
        pathParameters: idOf(moving),
        body: { groupIds: [groupId] },
      }),
    );
    expect(closedNow()).toEqual(['m1']);
    await connect('m2');
    ok(
      await call('PATCH /admin/operators/{operatorId}', admin, {
        pathParameters: idOf(moving),
        body: { role: 'supervisor' },
      }),
    );
    expect(closedNow()).toEqual(['m1', 'm2']);
    expect(await connectionIdsOf(principal)).toEqual([]);
  });

  it("O4: a disabled operator's token gets 403 on GET /me; an enabled one gets its profile", async () => {
    const groupId = await newGroup('Profile group');
    const active = await insertOperator(person('Active', { groupIds: [groupId], capacity: 7 }));
    expect(ok(await call('GET /me', active))).toMatchObject({
      operatorId: active.operatorId,
      role: 'operator',
      capacity: 7,
      groups: [{ groupId, name: 'Profile group', strategy: 'manual' }],
    });
    const disabled = await insertOperator(person('Disabled', { enabled: false }));
    const response = await call('GET /me', disabled);
    expect(response.status).toBe(403);
    expect(errorOf(response).code).toBe('forbidden');
    expect((await call('GET /me', undefined)).status).toBe(401);
  });
});

describe('S1 settings', () => {
  const valid = {
    sla: { default: { warningSeconds: 120, deadlineSeconds: 300 } },
    privacyConsent: { enabled: true, text: 'We keep your messages for support.', policyUrl: 'https://example.com/p' },
  };

  it('O4: settings read with defaults before anything is stored', async () => {
    expect(ok(await call('GET /admin/settings', admin))).toMatchObject({
      autoClose: { inProgressMinutes: 1440, unassignedDays: 30 },
      sla: null,
      limits: { maxTextLength: 2000 },
    });
  });

  it('S1: a PUT with 45 s is a 400 naming the field, and the stored settings stay as they were', async () => {
    const stored = ok(await call('PUT /admin/settings', admin, { body: valid }));
    expect(stored).toMatchObject({ sla: { enabled: true, perChannel: {} }, limits: { maxTextLength: 2000 } });

    const response = await call('PUT /admin/settings', admin, {
      body: { ...valid, sla: { default: { deadlineSeconds: 45 } } },
    });
    expect(response.status).toBe(400);
    expect(errorOf(response)).toEqual({
      code: 'invalid',
      message: 'sla.default.deadlineSeconds: must be a multiple of 30 seconds',
    });
    expect(ok(await call('GET /admin/settings', admin))).toEqual(stored);
  });

  it('S1: per-channel thresholds must name an existing channel', async () => {
    const before = ok(await call('GET /admin/settings', admin));
    const response = await call('PUT /admin/settings', admin, {
      body: { sla: { default: { deadlineSeconds: 300 }, perChannel: { ch_typo: { deadlineSeconds: 60 } } } },
    });
    expect(response.status).toBe(400);
    expect(errorOf(response).message).toBe("channel 'ch_typo' does not exist");
    expect(ok(await call('GET /admin/settings', admin))).toEqual(before);
  });
});

describe('CH1 channels', () => {
  it('CH1: create returns the webhook secret once; GET and list never return secrets', async () => {
    const groupId = await newGroup('Telegram line');
    const botToken = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
    const created = ok(
      await call('POST /admin/channels', admin, {
        body: { kind: 'telegram', name: 'Support bot', defaultGroupId: groupId, settings: { botToken } },
      }),
      201,
    );
    expect(created.webhookSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(created).toMatchObject({ kind: 'telegram', enabled: true, settings: {}, overrides: {} });
    const channelId = created.channelId as string;

    const shown = ok(await call('GET /admin/channels/{channelId}', admin, { pathParameters: { channelId } }));
    const listed = ok<{ items: unknown[] }>(await call('GET /admin/channels', admin, { query: { kind: 'telegram' } }));
    for (const view of [shown, ...listed.items]) {
      expect(JSON.stringify(view)).not.toContain(botToken);
      expect(JSON.stringify(view)).not.toContain(created.webhookSecret as string);
    }
    expect(listed.items).toContainEqual(shown);
    expect((await getChannelWithSecrets(channelId))?.settings).toEqual({ botToken });
    // X2: the configuration every function reads carries no secret; the secrets sit in their own item family.
    expect(JSON.stringify(await getChannel(channelId))).not.toContain(botToken);
    expect(JSON.stringify(await getChannel(channelId))).not.toContain(created.webhookSecret as string);

    const rotated = ok(await call('POST /admin/channels/{channelId}/secret', admin, { pathParameters: { channelId } }));
    expect(rotated.webhookSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(rotated.webhookSecret).not.toBe(created.webhookSecret);
    expect((await getChannelWithSecrets(channelId))?.webhookSecret).toBe(rotated.webhookSecret);
  });

  it('CH1: an update merges settings and keeps the secrets it does not replace', async () => {
    const groupId = await newGroup('WhatsApp line');
    const settings = { phoneNumberId: '1065403', accessToken: 'token-1', appSecret: 'app-1', verifyToken: 'v-1' };
    const created = ok(
      await call('POST /admin/channels', admin, {
        body: { kind: 'whatsapp', name: 'WhatsApp', defaultGroupId: groupId, settings },
      }),
      201,
    );
    expect(created.settings).toEqual({ phoneNumberId: '1065403' });
    const channelId = created.channelId as string;
    const otherGroup = await newGroup('WhatsApp second line');
    const updated = ok(
      await call('PATCH /admin/channels/{channelId}', admin, {
        pathParameters: { channelId },
        body: { settings: { accessToken: 'token-2' }, defaultGroupId: otherGroup, overrides: { autoCloseMinutes: 60 } },
      }),
    );
    expect(updated).toMatchObject({ defaultGroupId: otherGroup, overrides: { autoCloseMinutes: 60 } });
    expect((await getChannelWithSecrets(channelId))?.settings).toEqual({ ...settings, accessToken: 'token-2' });
    expect((await getGroup(groupId))?.channelCount).toBe(0);
    expect((await getGroup(otherGroup))?.channelCount).toBe(1);

    const wrongKind = await call('PATCH /admin/channels/{channelId}', admin, {
      pathParameters: { channelId },
      body: { settings: { botToken: '1:x' } },
    });
    expect(errorOf(wrongKind).message).toBe('settings: Unrecognized key: "botToken"');
  });

  it('CH1: a channel needs an existing default group', async () => {
    const response = await call('POST /admin/channels', admin, {
      body: {
        kind: 'widget',
        name: 'Site',
        defaultGroupId: 'grp_ghost',
        settings: { allowedOrigins: ['https://a.example'] },
      },
    });
    expect(response.status).toBe(400);
    expect(errorOf(response).message).toBe("defaultGroupId: group 'grp_ghost' does not exist");
  });
});

describe('T2 categories', () => {
  it('T2: category names are unique ignoring case; rename and delete free or keep names accordingly', async () => {
    const billing = ok(await call('POST /admin/categories', admin, { body: { name: 'Billing' } }), 201);
    const duplicate = await call('POST /admin/categories', admin, { body: { name: ' billing ' } });
    expect(duplicate.status).toBe(409);
    expect(errorOf(duplicate)).toMatchObject({
      code: 'conflict',
      message: "A category named 'billing' already exists.",
    });

    const delivery = ok(await call('POST /admin/categories', admin, { body: { name: 'Delivery' } }), 201);
    const clash = await call('PATCH /admin/categories/{categoryId}', admin, {
      pathParameters: { categoryId: delivery.categoryId as string },
      body: { name: 'BILLING' },
    });
    expect(clash.status).toBe(409);

    const recased = ok(
      await call('PATCH /admin/categories/{categoryId}', admin, {
        pathParameters: { categoryId: billing.categoryId as string },
        body: { name: 'billing' },
      }),
    );
    expect(recased.name).toBe('billing');
    const renamed = ok(
      await call('PATCH /admin/categories/{categoryId}', admin, {
        pathParameters: { categoryId: delivery.categoryId as string },
        body: { name: 'Shipping' },
      }),
    );
    expect(renamed.name).toBe('Shipping');
    ok(await call('POST /admin/categories', admin, { body: { name: 'Delivery' } }), 201);

    const deleted = await call('DELETE /admin/categories/{categoryId}', admin, {
      pathParameters: { categoryId: billing.categoryId as string },
    });
    expect(deleted.status).toBe(204);
    ok(await call('POST /admin/categories', admin, { body: { name: 'Billing' } }), 201);
    const names = ok<{ items: { name: string }[] }>(await call('GET /admin/categories', admin)).items.map(
      (c) => c.name,
    );
    expect(names).toEqual(['Billing', 'Delivery', 'Shipping']);
  });
});

describe('O1 admin only', () => {
  it('O1: every admin route refuses an operator and a supervisor with 403 forbidden, and changes nothing', async () => {
    const groupId = await newGroup('Fixture group');
    const target = await insertOperator(person('Fixture operator', { groupIds: [groupId] }));
    const channel = ok(
      await call('POST /admin/channels', admin, {
        body: {
          kind: 'api',
          name: 'Fixture',
          defaultGroupId: groupId,
          settings: { callbackUrl: 'https://x.example/h' },
        },
      }),
      201,
    );
    const channelId = channel.channelId as string;
    const category = ok(await call('POST /admin/categories', admin, { body: { name: 'Fixture' } }), 201);
    const categoryId = category.categoryId as string;
    const webhook = ok(
      await call('POST /admin/webhooks', admin, {
        body: { url: 'https://crm.example.com/hooks', eventTypes: ['ticket.created'] },
      }),
      201,
    );
    const webhookId = webhook.webhookId as string;
    const eventId = 'ev_0000000000000000000000000';

    const samples: Record<string, HttpEventOptions> = {
      'GET /admin/operators': {},
      'POST /admin/operators': { body: { name: 'Intruder', email: 'intruder@example.com', role: 'admin' } },
      'GET /admin/operators/{operatorId}': { pathParameters: { operatorId: target.operatorId } },
      'PATCH /admin/operators/{operatorId}': {
        pathParameters: { operatorId: target.operatorId },
        body: { role: 'admin' },
      },
      'GET /admin/groups': {},
      'POST /admin/groups': { body: { name: 'Intruders' } },
      'GET /admin/groups/{groupId}': { pathParameters: { groupId } },
      'PATCH /admin/groups/{groupId}': { pathParameters: { groupId }, body: { strategy: 'round_robin' } },
      'DELETE /admin/groups/{groupId}': { pathParameters: { groupId: await newGroup('Empty fixture') } },
      'GET /admin/channels': {},
      'POST /admin/channels': {
        body: { kind: 'api', name: 'Evil', defaultGroupId: groupId, settings: { callbackUrl: 'https://evil.example' } },
      },
      'GET /admin/channels/{channelId}': { pathParameters: { channelId } },
      'PATCH /admin/channels/{channelId}': { pathParameters: { channelId }, body: { enabled: false } },
      'POST /admin/channels/{channelId}/secret': { pathParameters: { channelId } },
      'GET /admin/categories': {},
      'POST /admin/categories': { body: { name: 'Intrusion' } },
      'PATCH /admin/categories/{categoryId}': { pathParameters: { categoryId }, body: { name: 'Renamed' } },
      'DELETE /admin/categories/{categoryId}': { pathParameters: { categoryId } },
      'GET /admin/settings': {},
      'PUT /admin/settings': { body: { sla: null, outboundByPhone: { whatsapp: true } } },
      'GET /admin/webhooks': {},
      'POST /admin/webhooks': { body: { url: 'https://evil.example/h', eventTypes: ['message.created'] } },
      'GET /admin/webhooks/{webhookId}': { pathParameters: { webhookId } },
      'PATCH /admin/webhooks/{webhookId}': { pathParameters: { webhookId }, body: { url: 'https://evil.example/h' } },
      'DELETE /admin/webhooks/{webhookId}': { pathParameters: { webhookId } },
      'POST /admin/webhooks/{webhookId}/disable': { pathParameters: { webhookId } },
      'POST /admin/webhooks/{webhookId}/secret': { pathParameters: { webhookId } },
      'GET /admin/webhooks/{webhookId}/attempts': { pathParameters: { webhookId } },
      'GET /admin/webhooks/{webhookId}/events/{eventId}': { pathParameters: { webhookId, eventId } },
      'POST /admin/webhooks/{webhookId}/events/{eventId}/replay': { pathParameters: { webhookId, eventId } },
    };
    const adminRoutes = httpRoutes.filter((route) => route.path.startsWith('/admin/'));
    expect(adminRoutes.map((route) => `${route.method} ${route.path}`).sort()).toEqual(Object.keys(samples).sort());

    const snapshot = async () => ({
      operators: await call('GET /admin/operators', admin, { query: { limit: '100' } }),
      groups: await call('GET /admin/groups', admin, { query: { limit: '100' } }),
      group: await call('GET /admin/groups/{groupId}', admin, { pathParameters: { groupId } }),
      channels: await call('GET /admin/channels', admin, { query: { limit: '100' } }),
      channelSecret: (await getChannelWithSecrets(channelId))?.webhookSecret,
      categories: await call('GET /admin/categories', admin),
      settings: await call('GET /admin/settings', admin),
      webhooks: await call('GET /admin/webhooks', admin, { query: { limit: '100' } }),
      webhookSecret: await getWebhookSecret(webhookId),
    });
    const before = await snapshot();

    for (const caller of [agent, supervisor]) {
      for (const [routeKey, options] of Object.entries(samples)) {
        const response = await call(routeKey, caller, options);
        expect(response.status, `${caller.role} ${routeKey}`).toBe(403);
        expect(errorOf(response)).toMatchObject({ code: 'forbidden', details: { reason: 'admin_only' } });
      }
    }
    expect(await snapshot()).toEqual(before);
  });
});

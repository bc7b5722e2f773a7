// W1/W2/OP3 outgoing webhooks on DynamoDB Local: the admin routes through their handler, events projected by the real
// stream consumer through the local stream poller, posted by the delivery worker on an injected clock to the fake
// channel server's receiver, every delivery's signature checked as a receiver would.
import { createServer, type Server } from 'node:net';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { itemSize } from '../../bench/meter';
import { handler as webhooksAdmin } from '../../functions/http/admin/webhooks';
import { handler as searchIndexHandler } from '../../functions/stream/search-index';
import { handler as webhooksStreamHandler } from '../../functions/stream/webhooks';
import { type FakeCall, type FakeChannels, startFakeChannels } from '../../infra/local/fake-channels';
import { type StreamPoller, startStreamPoller } from '../../infra/local/stream-poller';
import { httpRoutes, streamConsumers } from '../../infra/routes';
import { ALLOW_LOOPBACK_OUTBOUND_ENV } from '../../shared/channels/outbound-url';
import { SIGNATURE_HEADERS, signTimestamped } from '../../shared/channels/signatures';
import type { OperatorActor } from '../../shared/domain/actors';
import { dynamo, resetClients } from '../../shared/platform/aws-clients';
import { readConfig } from '../../shared/platform/config';
import { keys } from '../../shared/store/keys';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { webhookEndpointItem, webhookSecretItem } from '../../shared/store/webhooks';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { type InboundMessage, ingestClientMessage } from '../../shared/use-cases/ingest';
import { searchMessages } from '../../shared/use-cases/search';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import { deliverDueWebhooks, EVENT_ID_HEADER } from '../../shared/use-cases/webhook-delivery';
import { httpEvent, invoke, lambdaContext } from '../support/http-event';
import { useTestTable } from '../support/table';

const management = mockClient(ApiGatewayManagementApiClient);
const root: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
const webhooksRow = streamConsumers.find((consumer) => consumer.name === 'webhooks');
const searchRow = streamConsumers.find((consumer) => consumer.name === 'search-index');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let fake: FakeChannels;
let poller: StreamPoller;
let admin: Operator;
let anna: Operator;
let channelId: string;
/** Every batch the webhooks consumer was handed, to hand one again (a redelivery). */
const webhookBatches: DynamoDBStreamEvent[] = [];
let serial = 0;

const inbound = (user: string, text: string, name = `Client ${user}`): InboundMessage => ({
  channelId,
  externalUserId: user,
  name,
  clientType: 'crm',
  kind: 'text',
  text,
  externalMessageId: `wh-${++serial}`,
  receivedAt: new Date(),
});

async function call(routeKey: string, as: Operator, options: Parameters<typeof invoke>[2] = {}) {
  if (!httpRoutes.some((route) => `${route.method} ${route.path}` === routeKey)) {
    throw new Error(`no route ${routeKey} in infra/routes.ts`);
  }
  return invoke(webhooksAdmin, routeKey, { ...options, operatorId: as.operatorId });
}

interface Created {
  webhookId: string;
  secret: string;
}

async function register(name: string, eventTypes: string[]): Promise<Created> {
  const response = await call('POST /admin/webhooks', admin, {
    body: { url: `${fake.url}/webhooks/${name}`, eventTypes },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as Created;
}

/** Ends a test's endpoint, so later tests' runs do not post to it. */
async function retire(webhookId: string) {
  await call('DELETE /admin/webhooks/{webhookId}', admin, { pathParameters: { webhookId } });
}

const projected = () => poller.drain(['webhooks']);

/** Deliveries the receiver `name` answered 200, with their event ids. */
const received = (name: string): FakeCall[] =>
  fake.calls(`/webhooks/${name}`).filter((delivery) => delivery.status === 200);
const idsOf = (calls: FakeCall[]) => calls.map((delivery) => (delivery.body as { id: string }).id);

/** What a receiver does with the secret it was shown: recompute the signature over the raw body. */
function signedWith(secret: string, delivery: FakeCall): boolean {
  const timestamp = delivery.headers[SIGNATURE_HEADERS.timestamp] ?? '';
  return (
    /^\d+$/.test(timestamp) &&
    delivery.headers[SIGNATURE_HEADERS.signature] === signTimestamped(secret, timestamp, delivery.rawBody)
  );
}

async function endpointOf(webhookId: string) {
  const response = await call('GET /admin/webhooks/{webhookId}', admin, { pathParameters: { webhookId } });
  return response.body as { enabled: boolean; disabledReason?: string; failingSince?: string };
}

async function attemptsOf(webhookId: string) {
  const response = await call('GET /admin/webhooks/{webhookId}/attempts', admin, { pathParameters: { webhookId } });
  return (response.body as { items: Array<{ eventId: string; outcome: string; status?: number; error?: string }> })
    .items;
}

beforeAll(async () => {
  const { endpoint, tableName } = await useTestTable({ stream: true });
  fake = await startFakeChannels();
  // The fake channel server is the local stack's receiver, on 127.0.0.1: allowed under the loopback allowance the
  // test run sets (vitest.config.ts), as the local stack does.
  Object.assign(process.env, fake.env(), { WS_MANAGEMENT_ENDPOINT: 'http://127.0.0.1:9/local' });
  resetClients();
  management.on(PostToConnectionCommand).resolves({});
  admin = await insertOperator({
    name: 'Ada',
    email: 'ada@webhooks.example.com',
    role: 'admin',
    groupIds: [],
    capacity: 5,
    enabled: true,
  });
  const group = await createGroup(root, { name: 'First line', strategy: 'manual' });
  anna = await insertOperator({
    name: 'Anna',
    email: 'anna@webhooks.example.com',
    role: 'operator',
    groupIds: [group.groupId],
    capacity: 50,
    enabled: true,
  });
  channelId = (
    await createChannel(root, {
      kind: 'api',
      name: 'Shop',
      defaultGroupId: group.groupId,
      enabled: true,
      settings: { callbackUrl: `${fake.url}/api-callback/shop` },
      overrides: {},
    })
  ).channelId;
  poller = await startStreamPoller({
    endpoint,
    tableName,
    consumers: [
      {
        name: 'search-index',
        batchSize: searchRow?.batchSize ?? 100,
        retryAttempts: searchRow?.retryAttempts ?? 2,
        handle: (event) => searchIndexHandler(event),
      },
      {
        name: 'webhooks',
        batchSize: webhooksRow?.batchSize ?? 100,
        retryAttempts: webhooksRow?.retryAttempts ?? 2,
        handle: async (event) => {
          webhookBatches.push(event);
          return webhooksStreamHandler(event);
        },
      },
    ],
    intervalMs: 0,
  });
  // Whatever the setup wrote is projected before any endpoint exists.
  await poller.drain();
});

afterAll(async () => {
  poller?.stop();
  management.restore();
  await fake?.stop();
});

beforeEach(() => fake.reset());

describe('W1 webhook endpoints (admin routes)', () => {
  it('W1: an admin creates, lists, shows, updates, rotates and deletes an endpoint; the secret only on create and rotate, never cached', async () => {
    const createEvent = httpEvent('POST /admin/webhooks', {
      operatorId: admin.operatorId,
      body: { url: 'https://crm.example.com/hooks', eventTypes: ['ticket.created', 'message.created'] },
    });
    const created = await webhooksAdmin(createEvent, lambdaContext);
    expect(created.statusCode).toBe(201);
    expect((created.headers as Record<string, string>)['cache-control']).toBe('no-store');
    const body = JSON.parse(created.body as string) as Created & { enabled: boolean; eventTypes: string[] };
    expect(body.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect(body.enabled).toBe(true);
    const { webhookId } = body;

    const shown = await call('GET /admin/webhooks/{webhookId}', admin, { pathParameters: { webhookId } });
    expect(shown.status).toBe(200);
    expect(JSON.stringify(shown.body)).not.toContain(body.secret);
    const listed = await call('GET /admin/webhooks', admin);
    const items = (listed.body as { items: Array<{ webhookId: string }> }).items;
    expect(items.map((item) => item.webhookId)).toContain(webhookId);
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');

    const updated = await call('PATCH /admin/webhooks/{webhookId}', admin, {
      pathParameters: { webhookId },
      body: { eventTypes: ['ticket.closed'], url: 'https://crm.example.com/v2/hooks' },
    });
    expect(updated.body).toMatchObject({ eventTypes: ['ticket.closed'], url: 'https://crm.example.com/v2/hooks' });

    const disabled = await call('POST /admin/webhooks/{webhookId}/disable', admin, { pathParameters: { webhookId } });
    expect(disabled.body).toMatchObject({ enabled: false, disabledReason: `Disabled by ${admin.operatorId}.` });
    const enabled = await call('PATCH /admin/webhooks/{webhookId}', admin, {
      pathParameters: { webhookId },
      body: { enabled: true },
    });
    expect(enabled.body).toMatchObject({ enabled: true });
    expect((enabled.body as Record<string, unknown>).disabledReason).toBeUndefined();

    const rotateEvent = httpEvent('POST /admin/webhooks/{webhookId}/secret', {
      operatorId: admin.operatorId,
      pathParameters: { webhookId },
    });
    const rotated = await webhooksAdmin(rotateEvent, lambdaContext);
    expect((rotated.headers as Record<string, string>)['cache-control']).toBe('no-store');
    const secret = (JSON.parse(rotated.body as string) as Created).secret;
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(body.secret);

    expect((await call('DELETE /admin/webhooks/{webhookId}', admin, { pathParameters: { webhookId } })).status).toBe(
      204,
    );
    const gone = await call('GET /admin/webhooks/{webhookId}', admin, { pathParameters: { webhookId } });
    expect(gone.status).toBe(404);
    expect((gone.body as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('W1: only admins manage webhooks; unknown event types are refused naming the valid ones, and nothing is stored', async () => {
    const before = (await call('GET /admin/webhooks', admin)).body as { items: unknown[] };
    const asOperator = await call('POST /admin/webhooks', anna, {
      body: { url: 'https://crm.example.com/hooks', eventTypes: ['ticket.created'] },
    });
    expect(asOperator.status).toBe(403);
    expect((await call('GET /admin/webhooks', anna)).status).toBe(403);
    const unknown = await call('POST /admin/webhooks', admin, {
      body: { url: 'https://crm.example.com/hooks', eventTypes: ['ticket.created', 'ticket.exploded'] },
    });
    expect(unknown.status).toBe(400);
    const error = (unknown.body as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('invalid');
    expect(error.message).toContain('ticket.exploded');
    expect(error.message).toContain('message.created');
    const none = await call('POST /admin/webhooks', admin, {
      body: { url: 'https://crm.example.com/h', eventTypes: [] },
    });
    expect(none.status).toBe(400);
    const after = (await call('GET /admin/webhooks', admin)).body as { items: unknown[] };
    expect(after.items.length).toBe(before.items.length);
  });

  it('W1/X3: a loopback, private or plain-http URL is refused on create and on update; nothing changes', async () => {
    // Outside the local stack's allowance (the tests run with it, for the fake receiver on 127.0.0.1).
    const allowance = process.env[ALLOW_LOOPBACK_OUTBOUND_ENV];
    delete process.env[ALLOW_LOOPBACK_OUTBOUND_ENV];
    onTestFinished(() => {
      process.env[ALLOW_LOOPBACK_OUTBOUND_ENV] = allowance;
    });
    const before = (await call('GET /admin/webhooks', admin)).body as { items: unknown[] };
    for (const url of [
      'http://127.0.0.1:9/hook',
      'https://127.0.0.1/hook',
      'https://localhost/hook',
      'https://[::1]/hook',
      'https://169.254.169.254/latest',
      'https://10.0.0.7/hook',
      'http://crm.example.com/hook',
    ]) {
      const refused = await call('POST /admin/webhooks', admin, { body: { url, eventTypes: ['ticket.created'] } });
      expect(refused.status, url).toBe(400);
      expect((refused.body as { error: { message: string } }).error.message).toMatch(/^url: /);
    }
    const after = (await call('GET /admin/webhooks', admin)).body as { items: unknown[] };
    expect(after.items).toHaveLength(before.items.length);
    process.env[ALLOW_LOOPBACK_OUTBOUND_ENV] = allowance;
    const { webhookId } = await register('x3', ['ticket.created']);
    delete process.env[ALLOW_LOOPBACK_OUTBOUND_ENV];
    const patched = await call('PATCH /admin/webhooks/{webhookId}', admin, {
      pathParameters: { webhookId },
      body: { url: 'https://localhost:8443/hook' },
    });
    expect(patched.status).toBe(400);
    const shown = (await call('GET /admin/webhooks/{webhookId}', admin, { pathParameters: { webhookId } })).body;
    expect(shown).toMatchObject({ url: `${fake.url}/webhooks/x3` });
    await retire(webhookId);
  });
});

describe('W2 delivery', () => {
  it('W2/OP3: an endpoint down for 2 hours receives every event afterwards, each at least once, each signed', async () => {
    const { webhookId, secret } = await register('down', [
      'ticket.created',
      'ticket.assigned',
      'ticket.closed',
      'message.created',
    ]);
    fake.failNext('/webhooks/down', 503, 100_000);
    const first = await ingestClientMessage(inbound('down-1', 'My card is blocked'));
    const second = await ingestClientMessage(inbound('down-2', 'Where is my parcel?'));
    await projected();
    const ticketId = first.ticket?.ticketId as string;
    await runTicketCommand(actorOf(anna), ticketId, { type: 'take' });
    await runTicketCommand(actorOf(anna), ticketId, { type: 'close' });
    await projected();
    const t0 = Date.now();
    let runs = 0;
    for (let minute = 0; minute < 120; minute += 5) {
      await deliverDueWebhooks(new Date(t0 + minute * MINUTE));
      runs++;
    }
    // Down: each run tried the endpoint at most once, and nothing was taken.
    const failedPosts = fake.calls('/webhooks/down').length;
    expect(failedPosts).toBeGreaterThan(0);
    expect(failedPosts).toBeLessThanOrEqual(runs);
    expect(received('down')).toHaveLength(0);
    const log = await attemptsOf(webhookId);
    expect(log[0]).toMatchObject({ outcome: 'retry', status: 503 });

    fake.reset();
    for (let minute = 120; minute <= 240; minute += 5) await deliverDueWebhooks(new Date(t0 + minute * MINUTE));
    const deliveries = received('down');
    const events = deliveries.map(
      (delivery) => delivery.body as { id: string; type: string; data: Record<string, unknown> },
    );
    const seen = (type: string, field: string, value: unknown) =>
      events.some((event) => event.type === type && event.data[field] === value);
    expect(seen('ticket.created', 'ticketId', ticketId)).toBe(true);
    expect(seen('ticket.created', 'ticketId', second.ticket?.ticketId)).toBe(true);
    expect(seen('message.created', 'messageId', first.message?.messageId)).toBe(true);
    expect(seen('message.created', 'messageId', second.message?.messageId)).toBe(true);
    expect(seen('ticket.assigned', 'assigneeId', anna.operatorId)).toBe(true);
    expect(seen('ticket.closed', 'ticketId', ticketId)).toBe(true);
    expect(deliveries.every((delivery) => signedWith(secret, delivery))).toBe(true);
    for (const delivery of deliveries) {
      expect(delivery.headers[EVENT_ID_HEADER]).toBe((delivery.body as { id: string }).id);
      expect(Object.keys(delivery.body as object).sort()).toEqual(['createdAt', 'data', 'id', 'type']);
    }
    expect((await endpointOf(webhookId)).enabled).toBe(true);
    // A success ended the failing streak.
    expect((await endpointOf(webhookId)).failingSince).toBeUndefined();
    await retire(webhookId);
  });

  it('W2: a 4xx other than 408 and 429 is not retried: that event is marked failed and shows in the attempt log', async () => {
    const { webhookId } = await register('refuses', ['message.created']);
    fake.failNext('/webhooks/refuses', 422, 1, { body: { error: 'unknown customer' } });
    const { message } = await ingestClientMessage(inbound('refused-1', 'Hello'));
    await projected();
    const t0 = Date.now();
    for (let minute = 0; minute <= 180; minute += 15) await deliverDueWebhooks(new Date(t0 + minute * MINUTE));
    const posts = fake.calls('/webhooks/refuses');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.status).toBe(422);
    const eventId = idsOf(posts)[0] as string;
    const event = await call('GET /admin/webhooks/{webhookId}/events/{eventId}', admin, {
      pathParameters: { webhookId, eventId },
    });
    expect(event.body).toMatchObject({
      state: 'failed',
      attempts: 1,
      lastStatus: 422,
      lastError: '422: unknown customer',
    });
    expect((event.body as { data: { messageId: string } }).data.messageId).toBe(message?.messageId);
    expect(await attemptsOf(webhookId)).toEqual([
      expect.objectContaining({ eventId, outcome: 'failed', status: 422, error: '422: unknown customer' }),
    ]);
    expect((await endpointOf(webhookId)).enabled).toBe(true);
    await retire(webhookId);
  });

  it('W2: 408 and 429 are retried, a 429 not before its Retry-After', async () => {
    const { webhookId } = await register('busy', ['message.created']);
    fake.failNext('/webhooks/busy', 408, 1);
    fake.failNext('/webhooks/busy', 429, 1, { retryAfterSeconds: 600 });
    await ingestClientMessage(inbound('busy-1', 'Hello'));
    await projected();
    const t0 = Date.now();
    await deliverDueWebhooks(new Date(t0));
    await deliverDueWebhooks(new Date(t0 + 2 * MINUTE));
    expect(fake.calls('/webhooks/busy').map((post) => post.status)).toEqual([408, 429]);
    await deliverDueWebhooks(new Date(t0 + 9 * MINUTE));
    expect(fake.calls('/webhooks/busy')).toHaveLength(2);
    await deliverDueWebhooks(new Date(t0 + 13 * MINUTE));
    expect(fake.calls('/webhooks/busy').map((post) => post.status)).toEqual([408, 429, 200]);
    await retire(webhookId);
  });

  it('W2: a 410 disables the endpoint with the reason shown, and it gets nothing more', async () => {
    const { webhookId } = await register('gone', ['message.created']);
    fake.failNext('/webhooks/gone', 410, 1);
    await ingestClientMessage(inbound('gone-1', 'First'));
    await projected();
    const t0 = Date.now();
    await deliverDueWebhooks(new Date(t0));
    const endpoint = await endpointOf(webhookId);
    expect(endpoint.enabled).toBe(false);
    expect(endpoint.disabledReason).toContain('410');
    await ingestClientMessage(inbound('gone-2', 'Second'));
    await projected();
    await deliverDueWebhooks(new Date(t0 + 10 * MINUTE));
    expect(fake.calls('/webhooks/gone')).toHaveLength(1);
    expect((await attemptsOf(webhookId))[0]).toMatchObject({ outcome: 'gone', status: 410 });
    await retire(webhookId);
  });

  it('W2/X3: an endpoint whose URL the outbound guard refuses at send time is disabled, nothing sent, the reason shown', async () => {
    // Stored before the guard judged it (or its name now resolves inside): the send-time check still refuses it.
    const now = new Date().toISOString();
    const inside = webhookEndpointItem({
      webhookId: 'wh_inside',
      url: 'https://10.0.0.7/hook',
      eventTypes: ['message.created'],
      enabled: true,
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
    for (const item of [inside, webhookSecretItem('wh_inside', 'whsec_inside')]) {
      await dynamo().send(new PutItemCommand({ TableName: readConfig().tableName, Item: marshall(item) }));
    }
    await ingestClientMessage(inbound('inside-1', 'Hello'));
    await projected();
    await deliverDueWebhooks(new Date(Date.now() + MINUTE));
    const endpoint = await endpointOf('wh_inside');
    expect(endpoint.enabled).toBe(false);
    expect(endpoint.disabledReason).toContain('10.0.0.7 is a private address');
    expect((await attemptsOf('wh_inside'))[0]).toMatchObject({ outcome: 'refused' });
    await retire('wh_inside');
  });

  it('W2: a replay re-sends one event with the same id, signed, and nothing else', async () => {
    const { webhookId, secret } = await register('replay', ['message.created']);
    await ingestClientMessage(inbound('replay-1', 'One'));
    await ingestClientMessage(inbound('replay-2', 'Two'));
    await projected();
    const t0 = Date.now();
    await deliverDueWebhooks(new Date(t0));
    const firstRound = received('replay');
    expect(firstRound).toHaveLength(2);
    const eventId = idsOf(firstRound)[0] as string;
    const replayed = await call('POST /admin/webhooks/{webhookId}/events/{eventId}/replay', admin, {
      pathParameters: { webhookId, eventId },
    });
    expect(replayed.status).toBe(202);
    await deliverDueWebhooks(new Date(t0 + 2 * MINUTE));
    const all = received('replay');
    expect(idsOf(all)).toEqual([...idsOf(firstRound), eventId]);
    expect(all[2]?.rawBody.toString()).toBe(firstRound[0]?.rawBody.toString());
    expect(all.every((delivery) => signedWith(secret, delivery))).toBe(true);
    const unknown = await call('POST /admin/webhooks/{webhookId}/events/{eventId}/replay', admin, {
      pathParameters: { webhookId, eventId: 'ev_000000000nosuchevent0000' },
    });
    expect(unknown.status).toBe(404);
    await retire(webhookId);
  });

  it('W2: one failing endpoint does not delay another endpoint’s deliveries nor the search index', async () => {
    // A receiver that accepts connections and never answers: every post to it waits for the attempt timeout.
    const sockets = new Set<import('node:net').Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    // Written straight to the table, like any endpoint (the loopback allowance of the test run lets it be reached).
    const now = new Date().toISOString();
    const hanging = webhookEndpointItem({
      webhookId: 'wh_silent',
      url: `http://127.0.0.1:${port}/hook`,
      eventTypes: ['message.created'],
      enabled: true,
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
    for (const item of [hanging, webhookSecretItem('wh_silent', 'whsec_silent')]) {
      await dynamo().send(new PutItemCommand({ TableName: readConfig().tableName, Item: marshall(item) }));
    }
    const healthy = await register('healthy', ['message.created']);
    const texts = ['parcel alpha', 'parcel bravo', 'parcel charlie'];
    const messages = [];
    for (const [i, text] of texts.entries())
      messages.push((await ingestClientMessage(inbound(`both-${i}`, text))).message);
    await projected();
    const run = deliverDueWebhooks(new Date(Date.now() + MINUTE));
    let runDone = false;
    void run.then(() => {
      runDone = true;
    });
    // While the silent endpoint holds its post, the healthy one gets all three and the search index keeps up.
    await fake.waitForCalls('/webhooks/healthy', 3, 8_000);
    await poller.drain(['search-index']);
    const found = await searchMessages(actorOf(anna), { query: 'parcel', limit: 10 });
    expect(found.items.map((hit) => hit.messageId)).toEqual(
      expect.arrayContaining(messages.map((message) => message?.messageId)),
    );
    expect(runDone).toBe(false);
    const result = await run;
    expect(result.delivered).toBeGreaterThanOrEqual(3);
    expect(result.retried).toBe(1);
    const silentLog = await attemptsOf('wh_silent');
    expect(silentLog).toHaveLength(1);
    expect(silentLog[0]).toMatchObject({ outcome: 'retry', error: 'timeout: no answer within 10 s' });
    for (const socket of sockets) socket.destroy();
    silent.close();
    await retire('wh_silent');
    await retire(healthy.webhookId);
  }, 40_000);

  it('W2/OP3: an endpoint failing for 3 days is disabled, the reason shown, its events kept pending', async () => {
    const { webhookId } = await register('dead', ['message.created']);
    fake.failNext('/webhooks/dead', 503, 100_000);
    await ingestClientMessage(inbound('dead-1', 'Anyone there?'));
    await projected();
    const t0 = Date.now();
    for (let hour = 0; hour <= 71; hour++) await deliverDueWebhooks(new Date(t0 + hour * HOUR));
    expect((await endpointOf(webhookId)).enabled).toBe(true);
    for (let hour = 72; hour <= 73; hour++) await deliverDueWebhooks(new Date(t0 + hour * HOUR + MINUTE));
    const endpoint = await endpointOf(webhookId);
    expect(endpoint.enabled).toBe(false);
    expect(endpoint.disabledReason).toContain('3 days');
    expect(endpoint.disabledReason).toContain('503');
    const posts = fake.calls('/webhooks/dead').length;
    await deliverDueWebhooks(new Date(t0 + 75 * HOUR));
    expect(fake.calls('/webhooks/dead')).toHaveLength(posts);
    const eventId = idsOf(fake.calls('/webhooks/dead'))[0] as string;
    const event = await call('GET /admin/webhooks/{webhookId}/events/{eventId}', admin, {
      pathParameters: { webhookId, eventId },
    });
    expect(event.body).toMatchObject({ state: 'pending', lastStatus: 503 });
    await retire(webhookId);
  });

  it('W2: a redelivered stream batch records nothing again and sends nothing twice', async () => {
    const { webhookId } = await register('redelivered', ['ticket.created', 'message.created']);
    const batchesBefore = webhookBatches.length;
    await ingestClientMessage(inbound('again-1', 'Once only'));
    await ingestClientMessage(inbound('again-2', 'Also once'));
    await projected();
    const batches = webhookBatches.slice(batchesBefore);
    expect(batches.length).toBeGreaterThan(0);
    // Lambda retries a batch that failed after writing: the same records come again, before and after delivery.
    for (const batch of batches) {
      expect(await webhooksStreamHandler(batch)).toMatchObject({ recorded: 0 });
    }
    const t0 = Date.now();
    await deliverDueWebhooks(new Date(t0 + MINUTE));
    for (const batch of batches) await webhooksStreamHandler(batch);
    await deliverDueWebhooks(new Date(t0 + 2 * MINUTE));
    await deliverDueWebhooks(new Date(t0 + 20 * MINUTE));
    const ids = idsOf(received('redelivered'));
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
    await retire(webhookId);
  });

  it('OP3: a run out of time posts nothing more and loses nothing: the next run delivers', async () => {
    const { webhookId } = await register('late', ['message.created']);
    await ingestClientMessage(inbound('late-1', 'Posted by the next run'));
    await projected();
    const t0 = Date.now();
    const spent = await deliverDueWebhooks(new Date(t0 + MINUTE), 0);
    expect(spent.delivered).toBe(0);
    expect(fake.calls('/webhooks/late')).toHaveLength(0);
    await deliverDueWebhooks(new Date(t0 + 2 * MINUTE));
    expect(received('late')).toHaveLength(1);
    await retire(webhookId);
  });

  it('W2: an event record stays under 1 KB (one write unit) with the longest text and name', async () => {
    const { webhookId } = await register('sized', ['message.created', 'ticket.created']);
    await ingestClientMessage(inbound('sized-1', '😀'.repeat(4096), '🙂'.repeat(256)));
    await projected();
    await deliverDueWebhooks(new Date(Date.now() + MINUTE));
    const deliveries = received('sized');
    expect(deliveries).toHaveLength(2);
    for (const delivery of deliveries) {
      const { id } = delivery.body as { id: string };
      const { Item } = await dynamo().send(
        new GetItemCommand({ TableName: readConfig().tableName, Key: marshall(keys.webhookEvent(webhookId, id)) }),
      );
      expect(Item).toBeDefined();
      expect(itemSize(Item ?? {})).toBeLessThan(1024);
    }
    const message = deliveries
      .map((delivery) => delivery.body as { type: string; data: Record<string, unknown> })
      .find((event) => event.type === 'message.created');
    expect(message?.data.textTruncated).toBe(true);
    await retire(webhookId);
  });
});

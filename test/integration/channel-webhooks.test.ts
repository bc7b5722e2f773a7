// CH1–CH3, M3, A1 for the `api` channel against DynamoDB Local, s3rver and the fake channel server: signed webhooks
// are ingested (media copied to S3 with its real type), refused ones store nothing, redeliveries store once, delivery
// reports only move forward, and replies go out to the callback URL with retries, failures and pushes.
import dns from 'node:dns';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/http/channel-webhook';
import { type FakeChannels, startFakeChannels } from '../../infra/local/fake-channels';
import { freePort } from '../../infra/local/ports';
import { type S3Local, startS3Local } from '../../infra/local/s3-local';
import {
  API_SIGNATURE_HEADER,
  API_TIMESTAMP_HEADER,
  apiSignatureHeaders,
  verifyApiSignature,
} from '../../shared/channels/api';
import { deliverOperatorMessage, NOT_ASSIGNED_REASON } from '../../shared/channels/delivery';
import { ALLOW_LOOPBACK_OUTBOUND_ENV } from '../../shared/channels/outbound-url';
import type { OperatorActor } from '../../shared/domain/actors';
import { dynamo, resetClients } from '../../shared/platform/aws-clients';
import { recordConnection } from '../../shared/realtime/connections';
import { eventsIn } from '../../shared/realtime/event-frames';
import { clientIdFor, getClient } from '../../shared/store/clients';
import { keys } from '../../shared/store/keys';
import { historyPage, type Message, newMessageId, putMessage } from '../../shared/store/messages';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { getTicket, readClientHead } from '../../shared/store/tickets';
import { createChannel, updateChannel } from '../../shared/use-cases/admin/channels';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { sendOperatorMessage } from '../../shared/use-cases/operator-replies';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import { httpEvent, lambdaContext } from '../support/http-event';
import { testS3 as s3 } from '../support/s3';
import { useTestTable } from '../support/table';

const SAMPLES = path.join(import.meta.dirname, '../../events/api');
const BUCKET = 'channel-webhooks-test';
const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
const management = mockClient(ApiGatewayManagementApiClient);
const STAFF_CONNECTION = 'StaffConn000=';
const ANNA_CONNECTION = 'AnnaConn0000=';

let tableName: string;
let s3Local: S3Local;
let fake: FakeChannels;
let channelId: string;
let secret: string;
let groupId: string;
let anna: Operator;
let sue: Operator;

// Tiny real-shaped files: the bytes decide the stored type.
const PDF = Buffer.from('%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n', 'latin1');
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
  Buffer.from('JFIF\0'),
  Buffer.alloc(64),
]);

interface Posted {
  status: number;
  body: Record<string, unknown>;
}

/** Invokes the webhook handler as API Gateway would: raw body (base64 for non-text types), lower-case headers. */
async function post(
  body: string | Buffer,
  headers: Record<string, string>,
  options: { channel?: string; base64?: boolean; method?: 'GET' | 'POST' } = {},
): Promise<Posted> {
  const target = options.channel ?? channelId;
  const base = httpEvent(`${options.method ?? 'POST'} /channels/{channelId}/webhook`, {
    pathParameters: { channelId: target },
  });
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const event: APIGatewayProxyEventV2 = {
    ...base,
    headers: { 'content-type': options.base64 ? 'application/octet-stream' : 'application/json', ...headers },
    body: raw.toString(options.base64 ? 'base64' : 'utf8'),
    isBase64Encoded: options.base64 ?? false,
  };
  const result = await handler(event, lambdaContext);
  return { status: result.statusCode ?? 200, body: result.body ? JSON.parse(result.body) : {} };
}

/** Signs like a well-behaved caller; `now` lets a test replay an old request. */
function signedPost(payload: unknown, options: { now?: Date; channel?: string; base64?: boolean } = {}) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return post(body, apiSignatureHeaders(secret, body, options.now), options);
}

function sample(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(SAMPLES, name), 'utf8')) as Record<string, unknown>;
}

/** A sample with its user (and message id) made unique to the test, and its attachment URLs pointed at the fake. */
function sampleFor(name: string, userId: string, mediaId?: string): Record<string, unknown> {
  const body = sample(name);
  if (body.user) body.user = { ...(body.user as object), id: userId };
  if (typeof body.messageId === 'string' && body.type === 'message') body.messageId = `${body.messageId}-${userId}`;
  if (mediaId && Array.isArray(body.attachments)) {
    body.attachments = body.attachments.map((a: object) => ({ ...a, url: fake.mediaUrl(mediaId) }));
  }
  return body;
}

async function clientMessages(userId: string): Promise<Message[]> {
  const page = await historyPage(clientIdFor(channelId, userId), keys.clientMessagesPrefix(), {
    limit: 100,
    viewer: 'operator',
  });
  return page.items.filter((m) => m.author.kind === 'client');
}

async function history(userId: string): Promise<Message[]> {
  const page = await historyPage(clientIdFor(channelId, userId), keys.clientMessagesPrefix(), {
    limit: 100,
    viewer: 'operator',
  });
  return page.items;
}

/** Frames the mocked management API was asked to post to the staff socket (which hears every ticket event). */
function pushed(event: string): Array<{ event: string; data: Record<string, unknown> }> {
  return management
    .commandCalls(PostToConnectionCommand)
    .filter((call) => call.args[0].input.ConnectionId === STAFF_CONNECTION)
    .flatMap((call) => eventsIn(JSON.parse(Buffer.from(call.args[0].input.Data as Uint8Array).toString('utf8'))))
    .filter((frame: { event?: string }) => frame.event === event);
}

/** A client writes; Anna takes the ticket; returns its id. */
async function takenTicket(userId: string): Promise<string> {
  const posted = await signedPost({ type: 'message', messageId: `m-${userId}`, user: { id: userId }, text: 'Hi' });
  expect(posted.status).toBe(200);
  const { latest } = await readClientHead(clientIdFor(channelId, userId));
  const ticketId = latest?.ticketId as string;
  await runTicketCommand(actorOf(anna), ticketId, { type: 'take' });
  return ticketId;
}

beforeAll(async () => {
  ({ tableName } = await useTestTable());
  s3Local = await startS3Local({ port: await freePort(), bucketName: BUCKET });
  fake = await startFakeChannels({ port: 0 });
  Object.assign(process.env, fake.env(), {
    S3_ENDPOINT: s3Local.endpoint,
    BUCKET_NAME: BUCKET,
    WS_MANAGEMENT_ENDPOINT: 'http://127.0.0.1:9/local',
  });
  resetClients();
  groupId = (await createGroup(admin, { name: 'First line', strategy: 'manual' })).groupId;
  const created = await createChannel(admin, {
    kind: 'api',
    name: 'CRM',
    defaultGroupId: groupId,
    enabled: true,
    settings: { callbackUrl: `${fake.url}/api-callback/crm` },
    overrides: {},
  });
  channelId = created.channelId;
  secret = created.webhookSecret;
  const operator = (name: string, role: Operator['role'], groupIds: string[]) =>
    insertOperator({ name, email: `${name.toLowerCase()}@example.com`, role, groupIds, capacity: 5, enabled: true });
  anna = await operator('Anna', 'operator', [groupId]);
  sue = await operator('Sue', 'supervisor', []);
  // One staff socket and Anna's: between them they hear every ticket event.
  const connectedAt = new Date(Date.now() - 60_000).toISOString();
  await recordConnection({
    connectionId: STAFF_CONNECTION,
    principal: `operator#${sue.operatorId}`,
    audiences: ['staff'],
    connectedAt,
  });
  await recordConnection({ connectionId: ANNA_CONNECTION, principal: `operator#${anna.operatorId}`, connectedAt });
});

beforeEach(() => {
  management.reset();
  management.on(PostToConnectionCommand).resolves({});
  fake.reset();
});

afterAll(async () => {
  management.restore();
  await fake?.stop();
  await s3Local?.stop();
});

describe('CH1/M1/A1: every events/api sample is handled as its kind', () => {
  const expectations: Record<string, (userId: string) => Promise<void>> = {
    'message.json': async (userId) => {
      const posted = await signedPost(sampleFor('message.json', userId));
      expect(posted).toEqual({ status: 200, body: expect.objectContaining({ ok: true, messages: 1 }) });
      const [message] = await clientMessages(userId);
      expect(message).toMatchObject({ kind: 'text', text: sample('message.json').text });
      // C1/C2: the channel's name is the original name; api clients are CRM-authenticated.
      expect(await getClient(clientIdFor(channelId, userId))).toMatchObject({
        originalName: 'Ivan Petrov',
        type: 'crm',
        externalId: userId,
      });
      expect(pushed('ticket.created')).toHaveLength(1);
    },
    'message-with-attachment.json': async (userId) => {
      fake.addMedia(`receipt-${userId}`, PDF, 'application/pdf');
      const posted = await signedPost(sampleFor('message-with-attachment.json', userId, `receipt-${userId}`));
      expect(posted.status).toBe(200);
      const [message] = await clientMessages(userId);
      expect(message).toMatchObject({ kind: 'document', text: 'Here is the payment receipt' });
      const attachment = message?.attachments?.[0];
      expect(attachment).toMatchObject({ name: 'receipt-2291.pdf', mimeType: 'application/pdf', size: PDF.length });
      expect(attachment?.key).toMatch(
        new RegExp(`^attachments/${clientIdFor(channelId, userId)}/[0-9a-f-]{36}/receipt-2291\\.pdf$`),
      );
      // A1: copied into S3 with the detected type and the real size.
      const head = await s3().send(new HeadObjectCommand({ Bucket: BUCKET, Key: attachment?.key }));
      expect(head).toMatchObject({ ContentType: 'application/pdf', ContentLength: PDF.length });
    },
    'message-with-image.json': async (userId) => {
      fake.addMedia(`shot-${userId}`, JPEG, 'image/jpeg');
      expect((await signedPost(sampleFor('message-with-image.json', userId, `shot-${userId}`))).status).toBe(200);
      const [message] = await clientMessages(userId);
      expect(message?.kind).toBe('image');
      expect(message?.attachments?.[0]).toMatchObject({ mimeType: 'image/jpeg', size: JPEG.length });
    },
    'typing.json': async (userId) => {
      await signedPost({ type: 'message', messageId: `m-${userId}`, user: { id: userId }, text: 'Hello' });
      const posted = await signedPost(sampleFor('typing.json', userId));
      expect(posted.body).toMatchObject({ ok: true, typing: 1 });
      const { latest } = await readClientHead(clientIdFor(channelId, userId));
      expect(pushed('client.typing')).toContainEqual(
        expect.objectContaining({
          data: { clientId: clientIdFor(channelId, userId), ticketId: latest?.ticketId, typing: true },
        }),
      );
    },
    // Reports for a message id we never sent are acknowledged and change nothing (the flow with a real id is below).
    'status-delivered.json': async () => {
      expect((await signedPost(sample('status-delivered.json'))).body).toMatchObject({ ok: true, staleStatuses: 1 });
    },
    'status-read.json': async () => {
      expect((await signedPost(sample('status-read.json'))).body).toMatchObject({ ok: true, staleStatuses: 1 });
    },
    'status-failed.json': async () => {
      expect((await signedPost(sample('status-failed.json'))).body).toMatchObject({ ok: true, staleStatuses: 1 });
    },
  };

  it('CH1: the samples folder holds exactly the payloads this test knows', () => {
    expect(readdirSync(SAMPLES).sort()).toEqual(Object.keys(expectations).sort());
  });

  it.each(Object.keys(expectations))('CH1/M1: %s', async (name) => {
    await expectations[name]?.(`sample-${name.replace('.json', '')}`);
  });
});

describe('CH1: refused signatures store nothing', () => {
  const message = (userId: string) =>
    JSON.stringify({ type: 'message', messageId: `m-${userId}`, user: { id: userId }, text: 'Hi' });

  async function expectRefusedAndNothingStored(userId: string, headers: Record<string, string>) {
    const posted = await post(message(userId), headers);
    expect(posted.status, JSON.stringify(posted.body)).toBe(401);
    expect(posted.body).toMatchObject({ error: { code: 'unauthorized' } });
    expect(await getClient(clientIdFor(channelId, userId))).toBeUndefined();
    expect(await clientMessages(userId)).toEqual([]);
    const { Item } = await dynamo().send(
      new GetCommand({ TableName: tableName, Key: keys.inboundDedupe(channelId, `m-${userId}`) }),
    );
    expect(Item).toBeUndefined();
    expect(pushed('ticket.created')).toEqual([]);
  }

  it('CH1: a valid signature is accepted (base64-encoded bodies too)', async () => {
    expect((await signedPost(message('sig-ok'))).status).toBe(200);
    expect(await clientMessages('sig-ok')).toHaveLength(1);
    expect((await signedPost(message('sig-ok-b64'), { base64: true })).status).toBe(200);
    expect(await clientMessages('sig-ok-b64')).toHaveLength(1);
  });

  it('CH1: missing headers are refused', async () => {
    await expectRefusedAndNothingStored('sig-missing', {});
    const headers = apiSignatureHeaders(secret, message('sig-missing-2'));
    await expectRefusedAndNothingStored('sig-missing-2', {
      [API_TIMESTAMP_HEADER]: headers[API_TIMESTAMP_HEADER] as string,
    });
  });

  it('CH1: a wrong secret is refused', async () => {
    await expectRefusedAndNothingStored('sig-wrong', apiSignatureHeaders('not-the-secret', message('sig-wrong')));
  });

  it('CH1: a replayed request (signed 6 minutes ago) is refused', async () => {
    const old = new Date(Date.now() - 6 * 60_000);
    await expectRefusedAndNothingStored('sig-replay', apiSignatureHeaders(secret, message('sig-replay'), old));
  });

  it('CH1: whitespace-padded and uppercase-hex signatures are refused', async () => {
    const padded = apiSignatureHeaders(secret, message('sig-pad'));
    padded[API_SIGNATURE_HEADER] = ` ${padded[API_SIGNATURE_HEADER]} `;
    await expectRefusedAndNothingStored('sig-pad', padded);
    const upper = apiSignatureHeaders(secret, message('sig-upper'));
    upper[API_SIGNATURE_HEADER] = `sha256=${(upper[API_SIGNATURE_HEADER] as string).slice(7).toUpperCase()}`;
    await expectRefusedAndNothingStored('sig-upper', upper);
  });

  it('CH1: a signed body that is not the api shape is a 400 and stores nothing', async () => {
    const invalid = await signedPost({ type: 'message', messageId: 'm-bad', user: { id: 'sig-bad' } });
    expect(invalid).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
    expect((await signedPost('{"type":')).status).toBe(400);
    expect(await getClient(clientIdFor(channelId, 'sig-bad'))).toBeUndefined();
  });

  it('CH1: unknown, disabled or webhook-less channels are 404; GET without a handshake is 405', async () => {
    expect((await signedPost(message('x'), { channel: 'ch_nope' })).status).toBe(404);
    const widget = await createChannel(admin, {
      kind: 'widget',
      name: 'Site',
      defaultGroupId: groupId,
      enabled: true,
      settings: { allowedOrigins: ['https://shop.example'] },
      overrides: {},
    });
    expect((await signedPost(message('x'), { channel: widget.channelId })).status).toBe(404);
    expect((await post('', {}, { method: 'GET' })).status).toBe(405);
    const disabled = await createChannel(admin, {
      kind: 'api',
      name: 'Old CRM',
      defaultGroupId: groupId,
      enabled: true,
      settings: { callbackUrl: `${fake.url}/api-callback/old` },
      overrides: {},
    });
    await updateChannel(admin, disabled.channelId, { enabled: false });
    const body = message('disabled-user');
    const posted = await post(body, apiSignatureHeaders(disabled.webhookSecret, body), { channel: disabled.channelId });
    expect(posted.status).toBe(404);
  });
});

describe('CH1: a webhook keeps its channel briefly', () => {
  const text = (userId: string) =>
    JSON.stringify({ type: 'message', messageId: `kept-${userId}`, user: { id: userId }, text: 'Hi' });

  /** BatchGets of this channel's items the webhook made while `run` ran. */
  async function channelReads(id: string, run: () => Promise<unknown>): Promise<number> {
    let count = 0;
    const name = `channelReadMeter${Date.now()}`;
    dynamo().middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { RequestItems?: Record<string, { Keys?: Array<{ pk?: string }> }> };
        for (const request of Object.values(input.RequestItems ?? {})) {
          if (request.Keys?.some((key) => key.pk === keys.channel(id).pk)) count++;
        }
        return next(args);
      },
      { step: 'initialize', name },
    );
    try {
      await run();
    } finally {
      dynamo().middlewareStack.remove(name);
    }
    return count;
  }

  async function apiChannel(name: string) {
    return createChannel(admin, {
      kind: 'api',
      name,
      defaultGroupId: groupId,
      enabled: true,
      settings: { callbackUrl: `${fake.url}/api-callback/${name}` },
      overrides: {},
    });
  }

  it('CH1: three messages to a busy channel within 30 s read the channel once', async () => {
    const busy = await apiChannel('busy');
    const reads = await channelReads(busy.channelId, async () => {
      for (const user of ['k1', 'k2', 'k3']) {
        const body = text(user);
        const posted = await post(body, apiSignatureHeaders(busy.webhookSecret, body), { channel: busy.channelId });
        expect(posted.status).toBe(200);
      }
    });
    expect(reads).toBe(1);
  });

  it('CH1: a secret rotated by another instance works at once, and the old one is refused from then on', async () => {
    const rotated = await apiChannel('rotated');
    const first = text('r1');
    const kept = await post(first, apiSignatureHeaders(rotated.webhookSecret, first), { channel: rotated.channelId });
    expect(kept.status).toBe(200);
    // Another instance rotated it: the table changed, this instance still keeps the old copy.
    await dynamo().send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...keys.channelSecret(rotated.channelId),
          type: 'channelSecret',
          channelId: rotated.channelId,
          webhookSecret: 'whsec-rotated-elsewhere',
        },
      }),
    );
    const second = text('r2');
    const fresh = await post(second, apiSignatureHeaders('whsec-rotated-elsewhere', second), {
      channel: rotated.channelId,
    });
    expect(fresh.status).toBe(200);
    const third = text('r3');
    const old = await post(third, apiSignatureHeaders(rotated.webhookSecret, third), { channel: rotated.channelId });
    expect(old.status).toBe(401);
  });

  it('CH1: a channel disabled by another instance is refused once its kept copy is 30 s old', async () => {
    const closing = await apiChannel('closing');
    const body = text('d1');
    const headers = () => apiSignatureHeaders(closing.webhookSecret, body);
    expect((await post(body, headers(), { channel: closing.channelId })).status).toBe(200);
    await dynamo().send(
      new PutCommand({
        TableName: tableName,
        Item: { ...(await getChannelItem(closing.channelId)), enabled: false },
      }),
    );
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 31_000);
      const later = text('d2');
      const refused = await post(later, apiSignatureHeaders(closing.webhookSecret, later), {
        channel: closing.channelId,
      });
      expect(refused.status).toBe(404);
    } finally {
      vi.useRealTimers();
    }
  });
});

async function getChannelItem(id: string): Promise<Record<string, unknown>> {
  const { Item } = await dynamo().send(new GetCommand({ TableName: tableName, Key: keys.channel(id) }));
  return Item as Record<string, unknown>;
}

describe('CH2: idempotent webhooks', () => {
  it('CH2: 20 concurrent deliveries of one update store exactly one message', async () => {
    const body = JSON.stringify({ type: 'message', messageId: 'dup-1', user: { id: 'dup-user' }, text: 'Once only' });
    // Each delivery signed at its own second, as a sender's redeliveries are: none is a replay of another.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post(body, apiSignatureHeaders(secret, body, new Date(Date.now() - i * 1000))),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(new Array(20).fill(200));
    const totals = results.reduce(
      (sum, r) => ({
        messages: sum.messages + Number(r.body.messages),
        duplicates: sum.duplicates + Number(r.body.duplicates),
      }),
      { messages: 0, duplicates: 0 },
    );
    expect(totals).toEqual({ messages: 1, duplicates: 19 });
    expect(await clientMessages('dup-user')).toHaveLength(1);
    const { latest } = await readClientHead(clientIdFor(channelId, 'dup-user'));
    expect(latest).toMatchObject({ messageCount: 1, unreadCount: 1 });
  });

  it('CH2: a redelivery later (signed anew) is acknowledged as a duplicate and stores nothing', async () => {
    const payload = { type: 'message', messageId: 'dup-2', user: { id: 'dup-user-2' }, text: 'Hello' };
    expect((await signedPost(payload)).body).toMatchObject({ messages: 1, duplicates: 0 });
    expect((await signedPost(payload, { now: new Date(Date.now() + 1000) })).body).toMatchObject({
      messages: 0,
      duplicates: 1,
    });
    expect(await clientMessages('dup-user-2')).toHaveLength(1);
  });
});

describe('CH1: a signed api request is processed once within its 5-minute window', () => {
  it('CH1: a replayed typing event is acknowledged as replayed and pushes no second typing event', async () => {
    const ticketId = await takenTicket('replay-typing');
    management.reset();
    management.on(PostToConnectionCommand).resolves({});
    const body = JSON.stringify({ type: 'typing', user: { id: 'replay-typing' }, typing: true });
    const headers = apiSignatureHeaders(secret, body);
    expect(await post(body, headers)).toEqual({ status: 200, body: expect.objectContaining({ ok: true, typing: 1 }) });
    expect(pushed('client.typing')).toHaveLength(1);
    expect(pushed('client.typing')[0]?.data).toMatchObject({ ticketId, typing: true });
    // The same bytes and headers again, a minute later: still inside the signature's window.
    const replayed = await post(body, headers);
    expect(replayed).toEqual({ status: 200, body: expect.objectContaining({ ok: true, replayed: true, typing: 0 }) });
    expect(pushed('client.typing')).toHaveLength(1);
    // Signed anew, the same event is news again.
    const fresh = await post(body, apiSignatureHeaders(secret, body, new Date(Date.now() + 1000)));
    expect(fresh.body).toMatchObject({ typing: 1 });
    expect(pushed('client.typing')).toHaveLength(2);
  });

  it('CH1/CH2: a replayed text message is acknowledged as a duplicate: nothing stored, nothing pushed, the ticket unchanged', async () => {
    const body = JSON.stringify({ type: 'message', messageId: 'replay-msg', user: { id: 'replay-msg' }, text: 'Hi' });
    const headers = apiSignatureHeaders(secret, body);
    expect((await post(body, headers)).body).toMatchObject({ ok: true, messages: 1 });
    const before = (await readClientHead(clientIdFor(channelId, 'replay-msg'))).latest;
    management.reset();
    management.on(PostToConnectionCommand).resolves({});
    // A text message needs no replay guard: its channel message id is remembered for days (CH2).
    const replayed = await post(body, headers);
    expect(replayed).toEqual({ status: 200, body: expect.objectContaining({ duplicates: 1, messages: 0 }) });
    expect(await clientMessages('replay-msg')).toHaveLength(1);
    expect((await readClientHead(clientIdFor(channelId, 'replay-msg'))).latest).toEqual(before);
    expect(management.commandCalls(PostToConnectionCommand)).toHaveLength(0);
  });

  it('CH1: a replayed message with an attachment is acknowledged as replayed before its file is fetched again', async () => {
    fake.addMedia('replay-receipt', PDF, 'application/pdf');
    const body = JSON.stringify(sampleFor('message-with-attachment.json', 'replay-media', 'replay-receipt'));
    const headers = apiSignatureHeaders(secret, body);
    expect((await post(body, headers)).body).toMatchObject({ ok: true, messages: 1 });
    const fetches = fake.calls('/media/replay-receipt').length;
    expect(fetches).toBeGreaterThan(0);
    const replayed = await post(body, headers);
    expect(replayed).toEqual({ status: 200, body: expect.objectContaining({ replayed: true, messages: 0 }) });
    expect(fake.calls('/media/replay-receipt')).toHaveLength(fetches);
    expect(await clientMessages('replay-media')).toHaveLength(1);
  });

  it('CH1/CH2: 10 concurrent copies of one signed text message: one is processed, nine answer duplicate, one message stored', async () => {
    const body = JSON.stringify({ type: 'message', messageId: 'replay-1', user: { id: 'replay-user' }, text: 'Once' });
    const headers = apiSignatureHeaders(secret, body);
    const results = await Promise.all(Array.from({ length: 10 }, () => post(body, headers)));
    expect(results.map((r) => r.status)).toEqual(new Array(10).fill(200));
    expect(results.filter((r) => r.body.duplicates === 1)).toHaveLength(9);
    expect(results.filter((r) => r.body.messages === 1)).toHaveLength(1);
    expect(await clientMessages('replay-user')).toHaveLength(1);
  });

  it('CH1: a remembered request is kept only for its window: its item expires (TTL) 5 minutes after its timestamp', async () => {
    const body = JSON.stringify({ type: 'status', messageId: 'nothing-we-sent', status: 'read' });
    const headers = apiSignatureHeaders(secret, body);
    expect((await post(body, headers)).body).toMatchObject({ ok: true, staleStatuses: 1 });
    const [fingerprint] = /[0-9a-f]{64}/.exec(headers[API_SIGNATURE_HEADER] as string) ?? [];
    const item = await dynamo().send(
      new GetCommand({ TableName: tableName, Key: keys.signedRequest(channelId, fingerprint as string) }),
    );
    expect(item.Item?.expiresAt).toBe(Number(headers[API_TIMESTAMP_HEADER]) + 300);
  });
});

describe('CH3/M3: replies to api clients', () => {
  it('CH3: a reply is POSTed to the callback URL, signed with the channel secret, and becomes sent', async () => {
    const ticketId = await takenTicket('out-ok');
    const reply = await sendOperatorMessage(actorOf(anna), ticketId, { text: 'We are on it 👍' });
    expect(reply.status).toBe('sent');
    const [call] = fake.calls('/api-callback/crm');
    expect(call?.method).toBe('POST');
    expect(() =>
      verifyApiSignature(secret, call?.headers ?? {}, call?.rawBody ?? Buffer.alloc(0), new Date()),
    ).not.toThrow();
    expect(call?.body).toEqual({
      type: 'message',
      messageId: reply.messageId,
      user: { id: 'out-ok' },
      text: 'We are on it 👍',
      createdAt: reply.createdAt,
    });
    const stored = (await history('out-ok')).find((m) => m.messageId === reply.messageId);
    expect(stored).toMatchObject({ status: 'sent', externalId: reply.messageId });
    expect(pushed('message.status')).toContainEqual(
      expect.objectContaining({
        data: { ticketId, seq: stored?.seq, messageId: reply.messageId, status: 'sent' },
      }),
    );
  });

  it('M3: delivery reports out of order (read, then delivered, then read again) end at read, pushed once', async () => {
    const ticketId = await takenTicket('out-status');
    const reply = await sendOperatorMessage(actorOf(anna), ticketId, { text: 'Done' });
    management.reset();
    management.on(PostToConnectionCommand).resolves({});
    const report = (status: string, now = new Date()) =>
      signedPost({ type: 'status', messageId: reply.messageId, status }, { now });
    expect((await report('read')).body).toMatchObject({ statuses: 1 });
    expect((await report('delivered')).body).toMatchObject({ statuses: 0, staleStatuses: 1 });
    // Sent again (signed anew: the same signed request would be a replay, CH1).
    expect((await report('read', new Date(Date.now() + 1000))).body).toMatchObject({ statuses: 0, staleStatuses: 1 });
    const stored = (await history('out-status')).find((m) => m.messageId === reply.messageId);
    expect(stored?.status).toBe('read');
    expect(pushed('message.status').map((f) => f.data.status)).toEqual(['read']);
  });

  it('CH3: 429 then 200 → sent, after waiting as Retry-After asked', async () => {
    const ticketId = await takenTicket('out-429');
    fake.failNext('/api-callback/crm', 429, 1, { retryAfterSeconds: 1 });
    const reply = await sendOperatorMessage(actorOf(anna), ticketId, { text: 'Retry me' });
    expect(reply.status).toBe('sent');
    const calls = fake.calls('/api-callback/crm');
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    const [first, second] = calls;
    expect((second?.at.getTime() ?? 0) - (first?.at.getTime() ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('CH3/M3/OP3: 500 on every attempt → stays queued with the reason and its next attempt; the message stays in history', async () => {
    const ticketId = await takenTicket('out-500');
    fake.failNext('/api-callback/crm', 500, 4);
    const reply = await sendOperatorMessage(actorOf(anna), ticketId, { text: 'Will retry' });
    expect(reply.status).toBe('queued');
    expect(fake.calls('/api-callback/crm')).toHaveLength(4);
    const stored = (await history('out-500')).find((m) => m.messageId === reply.messageId);
    expect(stored?.status).toBe('queued');
    expect(stored?.text).toBe('Will retry');
    const [frame] = pushed('message.status');
    expect(frame?.data).toMatchObject({ messageId: reply.messageId, status: 'queued', attempts: 1 });
    expect(String(frame?.data.reason)).toContain('500');
    expect(Date.parse(String(frame?.data.nextAttemptAt)) - Date.now()).toBeGreaterThan(30_000);
  });

  it("CH3/M3: 400 → failed at once with the callee's error text, pushed to operators", async () => {
    const ticketId = await takenTicket('out-400');
    fake.failNext('/api-callback/crm', 400, 1, { body: { error: 'Unknown user out-400' } });
    const reply = await sendOperatorMessage(actorOf(anna), ticketId, { text: 'Hello?' });
    expect(reply.status).toBe('failed');
    expect(fake.calls('/api-callback/crm')).toHaveLength(1);
    const stored = (await history('out-400')).find((m) => m.messageId === reply.messageId);
    expect(stored).toMatchObject({ status: 'failed', failureReason: '400: Unknown user out-400', text: 'Hello?' });
    expect(pushed('message.status')).toContainEqual(
      expect.objectContaining({
        data: {
          ticketId,
          seq: stored?.seq,
          messageId: reply.messageId,
          status: 'failed',
          reason: '400: Unknown user out-400',
        },
      }),
    );
  });

  it('X3: a callback host that resolves to 127.0.0.1 is refused at send time: failed at once, never retried, nothing reached', async () => {
    const ticketId = await takenTicket('out-rebind');
    // A public-looking name whose DNS answer points at the machine itself (Lambda's Runtime API listens there).
    await updateChannel(admin, channelId, { settings: { callbackUrl: 'https://crm.rebind.example/cb' } });
    const lookup = vi
      .spyOn(dns.promises, 'lookup')
      .mockImplementation((async () => [{ address: '127.0.0.1', family: 4 }]) as unknown as typeof dns.promises.lookup);
    const allowance = process.env[ALLOW_LOOPBACK_OUTBOUND_ENV];
    delete process.env[ALLOW_LOOPBACK_OUTBOUND_ENV];
    try {
      const reply = await sendOperatorMessage(actorOf(anna), ticketId, { text: 'Secret plans' });
      expect(reply.status).toBe('failed');
      expect(lookup).toHaveBeenCalledWith('crm.rebind.example', expect.objectContaining({ all: true }));
      const stored = (await history('out-rebind')).find((m) => m.messageId === reply.messageId);
      expect(stored).toMatchObject({
        status: 'failed',
        failureReason:
          'Channel error: outbound URL refused: crm.rebind.example resolves to a loopback address (127.0.0.1)',
      });
      expect(stored).not.toHaveProperty('nextAttemptAt');
      expect(fake.calls()).toHaveLength(0);
    } finally {
      process.env[ALLOW_LOOPBACK_OUTBOUND_ENV] = allowance;
      lookup.mockRestore();
      await updateChannel(admin, channelId, { settings: { callbackUrl: `${fake.url}/api-callback/crm` } });
    }
  });

  it('M3: a reply whose author lost the ticket before delivery fails as not assigned; the author is told', async () => {
    const ticketId = await takenTicket('out-moved');
    const atWrite = await getTicket(ticketId);
    const message: Message = {
      messageId: newMessageId(new Date()),
      ticketId,
      ticketNumber: atWrite.number,
      clientId: atWrite.clientId,
      author: { kind: 'operator', operatorId: anna.operatorId },
      kind: 'text',
      text: 'Written just before the transfer',
      status: 'queued',
      createdAt: new Date().toISOString(),
      seq: atWrite.seq,
    };
    await dynamo().send(new PutCommand(putMessage(message).Put));
    await runTicketCommand(actorOf(anna), ticketId, { type: 'unassign' });
    management.reset();
    management.on(PostToConnectionCommand).resolves({});

    expect(await deliverOperatorMessage(message, atWrite)).toBe('failed');
    expect(fake.calls('/api-callback/crm')).toEqual([]);
    const stored = (await history('out-moved')).find((m) => m.messageId === message.messageId);
    expect(stored).toMatchObject({ status: 'failed', failureReason: NOT_ASSIGNED_REASON });
    const posts = management.commandCalls(PostToConnectionCommand).map((c) => c.args[0].input.ConnectionId);
    expect(posts).toContain(ANNA_CONNECTION);
  });

  it('M3: staff may reply to a ticket assigned to someone else, and that reply is delivered', async () => {
    const ticketId = await takenTicket('out-staff');
    const reply = await sendOperatorMessage(actorOf(sue), ticketId, { text: 'Supervisor here' });
    expect(reply.status).toBe('sent');
    expect(fake.calls('/api-callback/crm')).toHaveLength(1);
  });
});

describe('A1: channel media copied into S3', () => {
  it('A1: media whose declared type disagrees with its bytes is stored as what it is (and is a document)', async () => {
    fake.addMedia('liar', PDF, 'image/jpeg');
    const posted = await signedPost({
      type: 'message',
      messageId: 'media-liar',
      user: { id: 'media-liar' },
      attachments: [{ url: fake.mediaUrl('liar'), name: 'cat.jpg', mimeType: 'image/jpeg' }],
    });
    expect(posted.status).toBe(200);
    const [message] = await clientMessages('media-liar');
    expect(message?.kind).toBe('document');
    expect(message?.attachments?.[0]).toMatchObject({ name: 'cat.jpg', mimeType: 'application/pdf', size: PDF.length });
    const head = await s3().send(new HeadObjectCommand({ Bucket: BUCKET, Key: message?.attachments?.[0]?.key }));
    expect(head.ContentType).toBe('application/pdf');
  });

  it('A1/M4: media over 20 MB or gone from the channel is skipped with a reason; the message is still stored', async () => {
    fake.addMedia('huge', Buffer.alloc(20 * 1024 * 1024 + 1), 'application/pdf');
    const posted = await signedPost({
      type: 'message',
      messageId: 'media-skip',
      user: { id: 'media-skip' },
      text: 'Two files',
      attachments: [
        { url: fake.mediaUrl('huge'), name: 'scan.pdf' },
        { url: fake.mediaUrl('missing'), name: 'gone.pdf' },
      ],
    });
    expect(posted.body).toMatchObject({ ok: true, messages: 1 });
    const [message] = await clientMessages('media-skip');
    expect(message?.text).toBe('Two files');
    expect(message?.attachments).toBeUndefined();
    expect(message?.skippedAttachments).toEqual([
      { name: 'scan.pdf', reason: 'larger than 20 MB' },
      { name: 'gone.pdf', reason: expect.stringContaining('404') },
    ]);
  });

  it('A1: plain-http media URLs other than the configured channel APIs are never fetched', async () => {
    const posted = await signedPost({
      type: 'message',
      messageId: 'media-ssrf',
      user: { id: 'media-ssrf' },
      text: 'See file',
      attachments: [{ url: 'http://127.0.0.1:9001/2018-06-01/runtime/invocation/next', name: 'x.bin' }],
    });
    expect(posted.status).toBe(200);
    const [message] = await clientMessages('media-ssrf');
    expect(message?.skippedAttachments?.[0]?.reason).toContain('https');
  });
});

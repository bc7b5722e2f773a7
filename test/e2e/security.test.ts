// Attacks on the local gateway that must be refused: floods of WebSocket actions (R5), visitors whose widget has
// turned them away mid-session (C6, CH1), ended visitor sessions (CH1) and the like.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalGateway } from '../../infra/local/gateway';
import type { TokenIssuer } from '../../infra/local/token-issuer';
import type { OperatorActor } from '../../shared/domain/actors';
import { dynamo } from '../../shared/platform/aws-clients';
import { readConfig } from '../../shared/platform/config';
import { VISITOR_ADMISSION_CACHE_MS } from '../../shared/realtime/visitor-admission';
import { UNWRITTEN_CLIENT_HOURS } from '../../shared/realtime/visitors';
import type { ChannelConfig } from '../../shared/store/channels';
import { keys } from '../../shared/store/keys';
import { historyPage } from '../../shared/store/messages';
import { updateChannel } from '../../shared/use-cases/admin/channels';
import { seedGroup, seedOperator, seedWidgetChannel, startAuthGateway, withToken } from '../support/operator-auth';
import { useTestTable } from '../support/table';
import { connectClient, refusedStatus, type TestClient } from './clients';

let gateway: LocalGateway;
let tokens: TokenIssuer;
let widget: ChannelConfig;
let groupId: string;
const admin: OperatorActor = { kind: 'operator', operatorId: 'op_admin', role: 'admin', groupIds: [] };

interface Reply {
  type: 'reply';
  requestId: string;
  ok: boolean;
  data?: unknown;
  error?: { code: string; message: string; details?: { retryAfterSeconds?: number } };
}

/** Sends every frame at once and collects one reply per frame, skipping pushed events. */
async function burst(
  client: TestClient,
  frames: Record<string, unknown>[],
): Promise<{ replies: Reply[]; seconds: number }> {
  const started = Date.now();
  for (const [index, frame] of frames.entries()) client.send({ ...frame, requestId: `r${index}` });
  const replies: Reply[] = [];
  while (replies.length < frames.length) {
    const frame = (await client.next(10_000)) as Reply | { type: string };
    if (frame.type === 'reply') replies.push(frame as Reply);
  }
  return { replies, seconds: (Date.now() - started) / 1000 };
}

async function newVisitor(
  channel: ChannelConfig = widget,
): Promise<{ client: TestClient; clientId: string; token: string }> {
  const response = await fetch(`${gateway.httpUrl}/widget/${channel.channelId}/session`, { method: 'POST' });
  const session = (await response.json()) as { visitorToken: string; clientId: string };
  const client = await connectClient(gateway, withToken(session.visitorToken), { origin: 'https://shop.example' });
  return { client, clientId: session.clientId, token: session.visitorToken };
}

beforeAll(async () => {
  await useTestTable();
  ({ gateway, tokens } = await startAuthGateway());
  groupId = (await seedGroup('Web')).groupId;
  widget = await seedWidgetChannel(groupId);
});

afterAll(async () => {
  await gateway.close();
});

describe('R5 rate limits per connection', () => {
  it('R5: a widget visitor flooding chat.send gets 5 messages through, the rest refused with a retry-after, none stored', async () => {
    const { client, clientId } = await newVisitor();
    const { replies, seconds } = await burst(
      client,
      Array.from({ length: 20 }, (_, i) => ({ action: 'chat.send', text: `spam ${i}` })),
    );
    const admitted = replies.filter((reply) => reply.ok);
    const refused = replies.filter((reply) => !reply.ok);
    // 5 at once, then 1 per second while the burst was being answered.
    expect(admitted.length).toBeGreaterThanOrEqual(5);
    expect(admitted.length).toBeLessThanOrEqual(5 + Math.ceil(seconds));
    expect(refused.length).toBe(20 - admitted.length);
    for (const reply of refused) {
      expect(reply.error?.code).toBe('rate_limited');
      // One interval (1 s) after the burst; a frame answered after a later-received one was admitted waits longer.
      const retryAfter = reply.error?.details?.retryAfterSeconds ?? 0;
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(1 + Math.ceil(seconds));
    }
    const stored = await historyPage(clientId, 'M#', { limit: 50, viewer: 'visitor' });
    expect(stored.items).toHaveLength(admitted.length);
    await client.close();
  });

  it('R5: chat.send frames refused as invalid do not count against the visitor rate', async () => {
    const { client, clientId } = await newVisitor();
    const invalid = await burst(
      client,
      Array.from({ length: 10 }, () => ({ action: 'chat.send', text: '   ' })),
    );
    expect(invalid.replies.map((reply) => reply.error?.code)).toEqual(Array(10).fill('invalid'));
    // One after another, well inside the burst of 5: frames answered out of their arrival order would cost the burst
    // a frame of its own (the flood test above allows for that), which is not what this test is about.
    const replies: Reply[] = [];
    for (let i = 0; i < 5; i++) replies.push(await act(client, { action: 'chat.send', text: `hello ${i}` }));
    expect(replies.filter((reply) => reply.ok)).toHaveLength(5);
    const stored = await historyPage(clientId, 'M#', { limit: 50, viewer: 'visitor' });
    expect(stored.items).toHaveLength(5);
    await client.close();
  });

  it('R5: repeated typing frames of a visitor are coalesced into one push', async () => {
    const { client } = await newVisitor();
    const { replies } = await burst(
      client,
      Array.from({ length: 4 }, () => ({ action: 'chat.typing', typing: true })),
    );
    const coalesced = replies.map((reply) => (reply.data as { coalesced?: boolean }).coalesced === true);
    expect(coalesced.filter((flag) => !flag)).toHaveLength(1);
    await client.close();
  });

  it('R5: an operator connection gets 40 actions at once, then 20 per second; the rest are refused', async () => {
    const operator = await seedOperator();
    const client = await connectClient(gateway, withToken(await tokens.mintAccessToken(operator.operatorId)));
    const { replies, seconds } = await burst(
      client,
      Array.from({ length: 80 }, () => ({ action: 'counters' })),
    );
    const admitted = replies.filter((reply) => reply.ok).length;
    expect(admitted).toBeGreaterThanOrEqual(40);
    expect(admitted).toBeLessThanOrEqual(40 + Math.ceil(seconds * 20));
    expect(replies.filter((reply) => !reply.ok).map((reply) => reply.error?.code)).toEqual(
      Array(80 - admitted).fill('rate_limited'),
    );
    await client.close();
  });
});

/** One frame, its reply. */
async function act(client: TestClient, frame: Record<string, unknown>): Promise<Reply> {
  client.send({ requestId: 'one', ...frame });
  for (;;) {
    const next = (await client.next(5_000)) as Reply | { type: string };
    if (next.type === 'reply') return next as Reply;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A visitor's client item as stored. */
async function clientItem(clientId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.client(clientId), ConsistentRead: true }),
  );
  return Item;
}

describe('C6/CH1 a widget visitor is admitted again on every action', () => {
  it("C6: after the widget blocks its address, an open socket's chat.send is refused (ip_blocked) and stores nothing", async () => {
    const channel = await seedWidgetChannel(groupId);
    const { client, clientId } = await newVisitor(channel);
    expect((await act(client, { action: 'chat.send', text: 'before' })).ok).toBe(true);
    await updateChannel(admin, channel.channelId, { settings: { blockedIps: ['127.0.0.1'] } });
    // The widget's settings are cached per function instance for this long.
    await sleep(VISITOR_ADMISSION_CACHE_MS + 250);
    const refused = await act(client, { action: 'chat.send', text: 'after' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden', details: { reason: 'ip_blocked' } } });
    expect((await act(client, { action: 'chat.typing', typing: true })).error?.code).toBe('forbidden');
    const stored = await historyPage(clientId, 'M#', { limit: 50, viewer: 'visitor' });
    expect(stored.items.map((message) => message.text)).toEqual(['before']);
    await client.close();
  });

  it("CH1: after the widget is disabled, an open socket's chat.send is refused (channel_unavailable) and stores nothing", async () => {
    const channel = await seedWidgetChannel(groupId);
    const { client, clientId } = await newVisitor(channel);
    expect((await act(client, { action: 'chat.send', text: 'before' })).ok).toBe(true);
    await updateChannel(admin, channel.channelId, { enabled: false });
    await sleep(VISITOR_ADMISSION_CACHE_MS + 250);
    const refused = await act(client, { action: 'chat.send', text: 'after' });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'forbidden', details: { reason: 'channel_unavailable' } },
    });
    const stored = await historyPage(clientId, 'M#', { limit: 50, viewer: 'visitor' });
    expect(stored.items.map((message) => message.text)).toEqual(['before']);
    await client.close();
  });
});

describe('CH1 widget visitor sessions end', () => {
  it("CH1: a session's client that never wrote expires (TTL) a day on; its first message keeps it", async () => {
    const before = Math.floor(Date.now() / 1000);
    const { client, clientId } = await newVisitor();
    const expiresAt = (await clientItem(clientId))?.expiresAt as number;
    expect(expiresAt).toBeGreaterThanOrEqual(before + UNWRITTEN_CLIENT_HOURS * 3600);
    expect(expiresAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + UNWRITTEN_CLIENT_HOURS * 3600);
    expect((await act(client, { action: 'chat.send', text: 'Hello' })).ok).toBe(true);
    const written = await clientItem(clientId);
    expect(written).toMatchObject({ ticketCount: 1 });
    expect(written).not.toHaveProperty('expiresAt');
    await client.close();
  });

  it('CH1: chat.end revokes the visitor token: later actions answer unauthorized, a handshake with it 401, a resume starts afresh', async () => {
    const { client, clientId, token } = await newVisitor();
    expect((await act(client, { action: 'chat.send', text: 'Bye soon' })).ok).toBe(true);
    expect(await act(client, { action: 'chat.end' })).toMatchObject({ ok: true, data: { ended: true } });
    const later = await act(client, { action: 'chat.send', text: 'still here?' });
    expect(later).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect((await act(client, { action: 'chat.end' })).error?.code).toBe('unauthorized');
    expect(await refusedStatus(`${gateway.wsUrl}${withToken(token)}`)).toBe(401);
    const resumed = await fetch(`${gateway.httpUrl}/widget/${widget.channelId}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resumeToken: token }),
    });
    const session = (await resumed.json()) as { clientId: string; visitorToken: string };
    expect(session.clientId).not.toBe(clientId);
    expect(session.visitorToken).not.toBe(token);
    // The chat stays with the operators.
    const stored = await historyPage(clientId, 'M#', { limit: 50, viewer: 'operator' });
    const fromClient = stored.items.filter((message) => message.author.kind === 'client');
    expect(fromClient.map((message) => message.text)).toEqual(['Bye soon']);
    await client.close();
  });
});

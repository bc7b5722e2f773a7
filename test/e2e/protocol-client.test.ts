// The typed client (shared/protocol/client.ts) against the local gateway with the real handlers and DynamoDB Local:
// requests and replies, refusals as ProtocolError, timeouts, rate limits, typed events, and a reconnect in the middle of
// a stream of messages that loses no event and hands none out twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { OperatorActor } from '../../shared/domain/actors';
import {
  type ConnectionState,
  connect,
  type EventOf,
  ProtocolError,
  type SwitchboardClient,
  type WebSocketConstructor,
} from '../../shared/protocol/client';
import type { EventType } from '../../shared/protocol/events';
import { resetActionLimits } from '../../shared/realtime/action-limits';
import type { ChannelConfig } from '../../shared/store/channels';
import type { Operator } from '../../shared/store/operators';
import { settingsSchema } from '../../shared/store/settings';
import { replaceSettings } from '../../shared/use-cases/admin/settings';
import { ingestClientMessage } from '../../shared/use-cases/ingest';
import {
  type AuthGateway,
  seedGroup,
  seedOperator,
  seedWidgetChannel,
  startAuthGateway,
} from '../support/operator-auth';
import { useTestTable } from '../support/table';
import { eventually } from './clients';

const seedingAdmin: OperatorActor = { kind: 'operator', operatorId: 'op_seed', role: 'admin', groupIds: [] };

let stack: AuthGateway;
let channel: ChannelConfig;
let anna: Operator;
let boris: Operator;
const clients: SwitchboardClient[] = [];
let user = 0;

/** `ws` sockets as the client opened them, so a test can cut one the way a network drop would. */
const opened: WebSocket[] = [];
const RecordingSocket = class extends WebSocket {
  constructor(url: string) {
    super(url);
    opened.push(this);
  }
} as unknown as WebSocketConstructor;

async function connectCodeFor(operator: Operator): Promise<string> {
  const token = await stack.tokens.mintAccessToken(operator.operatorId);
  const response = await fetch(`${stack.gateway.httpUrl}/auth/connect-code`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { code: string }).code;
}

function clientFor(operator: Operator, options: { getConnectCode?: () => Promise<string> } = {}) {
  const client = connect({
    url: stack.gateway.wsUrl,
    getConnectCode: options.getConnectCode ?? (() => connectCodeFor(operator)),
    WebSocket: RecordingSocket,
    requestTimeoutMs: 5_000,
    backoff: { initialMs: 50, maxMs: 200 },
  });
  clients.push(client);
  return client;
}

const opens = (client: SwitchboardClient) => eventually(() => client.state === 'open', 5_000);

function clientSays(externalUserId: string, text: string) {
  return ingestClientMessage({
    channelId: channel.channelId,
    externalUserId,
    name: `Client ${externalUserId}`,
    clientType: 'internal',
    kind: 'text',
    text,
    receivedAt: new Date(),
  });
}

beforeAll(async () => {
  await useTestTable();
  stack = await startAuthGateway();
  const first = await seedGroup('First line');
  const second = await seedGroup('Second line');
  channel = await seedWidgetChannel(first.groupId);
  anna = await seedOperator({ name: 'Anna', groupIds: [first.groupId] });
  boris = await seedOperator({ name: 'Boris', groupIds: [second.groupId] });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await stack.gateway.close();
});

describe('R1: requests and replies through the typed client', () => {
  it('R1: a request resolves with its typed reply, matched by requestId among concurrent ones', async () => {
    const client = clientFor(anna);
    const states: ConnectionState[] = [];
    client.onState((state) => states.push(state));
    const ticketId = (await clientSays(`u${++user}`, 'Where is my card?')).ticket?.ticketId as string;
    // Sent before the socket is open: requests wait for it.
    const [me, list, view, counters] = await Promise.all([
      client.request('whoami', {}),
      client.request('list', { tab: 'unassigned' }),
      client.request('ticket.get', { ticketId }),
      client.request('counters', {}),
    ]);
    expect(me.actor).toMatchObject({ kind: 'operator', operatorId: anna.operatorId });
    expect(list.items.map((row) => ('ticketId' in row ? row.ticketId : undefined))).toContain(ticketId);
    expect(view.ticket.ticketId).toBe(ticketId);
    expect(view.client.clientId).toBe(view.ticket.clientId);
    expect(counters).toMatchObject({ operatorId: anna.operatorId, inProgress: 0 });
    const taken = await client.request('take', { ticketId });
    expect(taken).toMatchObject({ status: 'in_progress', assigneeId: anna.operatorId });
    expect(states).toEqual(['open']);
  });

  it('R1: an error reply rejects with a ProtocolError carrying its stable code, message and details', async () => {
    const client = clientFor(anna);
    const ticketId = (await clientSays(`u${++user}`, 'Hello')).ticket?.ticketId as string;
    const bad = await client.request('take', { ticketId: 'x' }).catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(ProtocolError);
    expect(bad).toMatchObject({ code: 'invalid', message: expect.stringContaining('ticketId') });
    // Boris (the other group) may not see the ticket: `forbidden`, with the reason, and nothing changed.
    const borisClient = clientFor(boris);
    const refused = await borisClient.request('take', { ticketId }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'forbidden', details: { reason: 'not_visible' } });
    expect((await client.request('ticket.get', { ticketId })).ticket.status).toBe('unassigned');
  });

  it('R1: a request with no reply rejects with code timeout after requestTimeoutMs; later requests still work', async () => {
    // A server that accepts the socket and answers only frames whose action is `whoami`.
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    server.on('connection', (socket) =>
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { action: string; requestId: string };
        if (frame.action === 'whoami') {
          socket.send(
            JSON.stringify({ type: 'reply', requestId: frame.requestId, ok: true, data: { principal: 'p' } }),
          );
        }
      }),
    );
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const client = connect({
      url: `ws://127.0.0.1:${port}/local`,
      getConnectCode: async () => 'cc_test',
      WebSocket,
      requestTimeoutMs: 300,
    });
    clients.push(client);
    const silent = await client.request('counters', {}).catch((error: unknown) => error);
    expect(silent).toMatchObject({ code: 'timeout' });
    expect(await client.request('whoami', {})).toEqual({ principal: 'p' });
    client.close();
    expect(client.state).toBe('closed');
    expect(await client.request('counters', {}).catch((error: unknown) => error)).toMatchObject({ code: 'closed' });
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('R2/R4: typed events and catch-up across a reconnect', () => {
  it('R2: a typed subscription gets only its event type, in order; unsubscribing stops it', async () => {
    const client = clientFor(anna);
    await opens(client);
    const created: EventOf<'message.created'>[] = [];
    const all: EventOf<EventType>[] = [];
    const stop = client.on('message.created', (event) => created.push(event));
    client.on('*', (event) => all.push(event));
    const first = await clientSays(`u${++user}`, 'one');
    const ticketId = first.ticket?.ticketId as string;
    await clientSays(`u${user}`, 'two');
    await eventually(() => created.filter((e) => 'ticketId' in e.data && e.data.ticketId === ticketId).length >= 3);
    const texts = created
      .map((event) => ('message' in event.data ? event.data.message : undefined))
      .filter((message) => message?.ticketId === ticketId && message.kind === 'text')
      .map((message) => message?.text);
    expect(texts).toEqual(['one', 'two']);
    expect(all.some((event) => event.event === 'ticket.created' && event.data.ticketId === ticketId)).toBe(true);
    // R4: the new ticket's `ticket.created` came before any message of it.
    const ofTicket = all.filter((event) => (event.data as { ticketId?: string }).ticketId === ticketId);
    expect(ofTicket[0]?.event).toBe('ticket.created');
    stop();
    const before = created.length;
    await clientSays(`u${user}`, 'three');
    await eventually(() => all.filter((event) => event.event === 'message.created').length > before);
    expect(created.length).toBe(before);
  });

  it('R2/R4: a socket dropped while messages arrive reconnects, syncs from the last seq, and misses or repeats no event', async () => {
    const externalUserId = `u${++user}`;
    const ticketId = (await clientSays(externalUserId, 'start')).ticket?.ticketId as string;
    // A second client's ticket the client knows only from the events it sees (no watchTicket).
    const otherUserId = `u${++user}`;
    const everything: EventOf<EventType>[] = [];
    let otherTicketId = '';
    const others = () => everything.filter((event) => (event.data as { ticketId?: string }).ticketId === otherTicketId);
    // Connecting is held at will, so the outage lasts while the test sends messages.
    let gate: Promise<void> = Promise.resolve();
    let release = () => {};
    const client = clientFor(anna, {
      getConnectCode: async () => {
        await gate;
        return connectCodeFor(anna);
      },
    });
    const states: ConnectionState[] = [];
    client.onState((state) => states.push(state));
    await opens(client);
    const view = await client.request('ticket.get', { ticketId });
    client.watchTicket(ticketId, view.ticket.seq);
    const events: EventOf<EventType>[] = [];
    client.on('*', (event) => {
      if ((event.data as { ticketId?: string }).ticketId === ticketId) events.push(event);
      everything.push(event);
    });

    // A stream of messages, one after another (R4 orders one ticket's changes); the socket is cut in the middle of
    // it, and the reconnect held until more have come.
    otherTicketId = (await clientSays(otherUserId, 'other start')).ticket?.ticketId as string;
    for (let i = 1; i <= 5; i++) {
      await clientSays(externalUserId, `live ${i}`);
      await clientSays(otherUserId, `live ${i}`);
    }
    gate = new Promise((resolve) => {
      release = resolve;
    });
    const socket = opened.at(-1) as WebSocket;
    socket.terminate();
    await eventually(() => client.state === 'reconnecting');
    for (let i = 1; i <= 5; i++) {
      await clientSays(externalUserId, `while away ${i}`);
      await clientSays(otherUserId, `while away ${i}`);
    }
    // More keep coming while the client reconnects and catches up.
    const meanwhile = (async () => {
      for (let i = 1; i <= 5; i++) {
        await clientSays(otherUserId, `meanwhile ${i}`);
        await clientSays(externalUserId, `meanwhile ${i}`);
      }
    })();
    release();
    await meanwhile;
    await opens(client);

    const history = await client.request('history', { ticketId, limit: 100 });
    const stored = history.items.filter((message) => message.seq > view.ticket.seq);
    await eventually(() => {
      const seen = new Set(events.flatMap((event) => ('message' in event.data ? [event.data.message.messageId] : [])));
      return stored.every((message) => seen.has(message.messageId));
    }, 5_000);
    // No event twice: each (seq, message) or (seq, ticket) once.
    const keys = events.map((event) =>
      'message' in event.data ? `${event.data.ticketId}|${event.data.seq}|${event.data.message.messageId}` : '',
    );
    const messageKeys = keys.filter(Boolean);
    expect(new Set(messageKeys).size).toBe(messageKeys.length);
    const ticketKeys = events
      .filter((event) => event.event === 'ticket.updated')
      .map((event) => (event.data as { seq: number }).seq);
    expect(new Set(ticketKeys).size).toBe(ticketKeys.length);
    // In seq order (R4), and the messages sent during the outage came from the catch-up.
    const seqs = events.map((event) => (event.data as { seq: number }).seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const synced = events
      .filter((event) => event.synced)
      .map((event) => ('message' in event.data ? event.data.message.text : ''));
    expect(synced).toEqual(expect.arrayContaining(['while away 1', 'while away 5']));
    expect(states).toEqual(['open', 'reconnecting', 'open']);
    const texts = events.flatMap((event) => ('message' in event.data ? [event.data.message.text] : []));
    expect(texts.filter((text) => text?.startsWith('while away'))).toHaveLength(5);
    expect(texts.filter((text) => text?.startsWith('live'))).toHaveLength(5);
    expect(texts.filter((text) => text?.startsWith('meanwhile'))).toHaveLength(5);
    // The other ticket too: every message once, in seq order, the outage's from its own catch-up.
    await eventually(
      () => others().filter((event) => 'message' in event.data && event.data.message.kind === 'text').length >= 16,
      5_000,
    );
    const otherTexts = others().flatMap((event) =>
      'message' in event.data && event.data.message.kind === 'text' ? [event.data.message.text] : [],
    );
    expect(otherTexts).toEqual([
      'other start',
      ...['live', 'while away', 'meanwhile'].flatMap((phase) => [1, 2, 3, 4, 5].map((i) => `${phase} ${i}`)),
    ]);
    const otherSeqs = others()
      .filter((event) => event.event !== 'ticket.created')
      .map((e) => (e.data as { seq: number }).seq);
    expect(otherSeqs).toEqual([...otherSeqs].sort((a, b) => a - b));
  });
  it('R4: a sync reply holding messages newer than its ticket (written between its two reads) keeps seq order, no repeats', async () => {
    // A scripted server: the race needs a change committed between sync's ticket read and its messages read.
    const ticketId = 'cl_race.1';
    const message = (seq: number) => ({
      messageId: `m${seq}`,
      ticketId,
      ticketNumber: 1,
      clientId: 'cl_race',
      author: { kind: 'client' },
      kind: 'text',
      text: `text ${seq}`,
      createdAt: '2026-11-29T05:00:00.000Z',
      seq,
    });
    const ticketAt = (seq: number) => ({ ticketId, seq, status: 'unassigned' });
    const syncs: number[] = [];
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    server.on('connection', (socket) =>
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { action: string; requestId: string; afterSeq: number };
        if (frame.action !== 'sync') return;
        syncs.push(frame.afterSeq);
        const reply = (body: unknown) =>
          socket.send(JSON.stringify({ type: 'reply', requestId: frame.requestId, ok: true, data: body }));
        if (syncs.length === 1) {
          // Ticket read at seq 3; the messages read already sees seq 4, whose live events follow the reply.
          reply({ ticket: ticketAt(3), messages: [message(3), message(4)], more: false });
          socket.send(
            JSON.stringify({
              type: 'events',
              events: [
                { type: 'event', event: 'message.created', data: { ticketId, seq: 4, message: message(4) } },
                { type: 'event', event: 'ticket.updated', data: { ticketId, seq: 4, ticket: ticketAt(4) } },
              ],
            }),
          );
        } else reply({ ticket: ticketAt(4), messages: [message(4)], more: false });
      }),
    );
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const client = connect({ url: `ws://127.0.0.1:${port}/local`, getConnectCode: async () => 'cc_test', WebSocket });
    clients.push(client);
    const seen: string[] = [];
    client.on('*', (event) => seen.push(`${event.event}@${(event.data as { seq: number }).seq}`));
    client.watchTicket(ticketId, 2);
    await eventually(() => seen.length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(syncs).toEqual([2, 3]);
    expect(seen).toEqual(['message.created@3', 'message.created@4', 'ticket.updated@4']);
    client.close();
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('R2: catching up several tickets after a reconnect', () => {
  it('R2/R4: a slow sync of one ticket holds back only that ticket: another ticket’s sync and live event go out meanwhile, at most 4 syncs at once', async () => {
    // A scripted server: ticket 1's sync is answered only when the test says so; the others' at once.
    const ticketIds = Array.from({ length: 8 }, (_, i) => `cl_many${i}.1`);
    const [slow, quick] = ticketIds as [string, string];
    const message = (ticketId: string, seq: number) => ({
      messageId: `${ticketId}-m${seq}`,
      ticketId,
      ticketNumber: 1,
      clientId: ticketId.split('.')[0],
      author: { kind: 'client' },
      kind: 'text',
      text: `text ${seq}`,
      createdAt: '2026-11-29T05:00:00.000Z',
      seq,
    });
    const ticketAt = (ticketId: string, seq: number) => ({ ticketId, seq, status: 'unassigned' });
    let inFlight = 0;
    let mostInFlight = 0;
    let answerSlow = () => {};
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    server.on('connection', (socket) =>
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { action: string; requestId: string; ticketId: string };
        if (frame.action !== 'sync') return;
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        const reply = () => {
          inFlight -= 1;
          socket.send(
            JSON.stringify({
              type: 'reply',
              requestId: frame.requestId,
              ok: true,
              data: { ticket: ticketAt(frame.ticketId, 3), messages: [message(frame.ticketId, 3)], more: false },
            }),
          );
        };
        if (frame.ticketId === slow) {
          answerSlow = reply;
          return;
        }
        setTimeout(() => {
          reply();
          if (frame.ticketId === quick) {
            // A live change of the quick ticket, after its catch-up: it must not wait for the slow one's.
            socket.send(
              JSON.stringify({
                type: 'event',
                event: 'message.created',
                data: { ticketId: quick, seq: 4, message: message(quick, 4) },
              }),
            );
          }
        }, 20);
      }),
    );
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const client = connect({ url: `ws://127.0.0.1:${port}/local`, getConnectCode: async () => 'cc_test', WebSocket });
    clients.push(client);
    const seen: string[] = [];
    client.on('message.created', (event) => {
      const { ticketId, seq } = event.data as { ticketId: string; seq: number };
      seen.push(`${ticketId}@${seq}`);
    });
    for (const ticketId of ticketIds) client.watchTicket(ticketId, 2);
    // Every ticket but the slow one is caught up, the quick one's live event handed out, while the slow sync waits.
    await eventually(() => seen.length >= 8);
    expect(seen).toContain(`${quick}@4`);
    expect(seen).not.toContain(`${slow}@3`);
    expect(mostInFlight).toBeLessThanOrEqual(4);
    expect(mostInFlight).toBeGreaterThan(1);
    answerSlow();
    await eventually(() => seen.includes(`${slow}@3`));
    expect(seen.filter((key) => key.endsWith('@3')).sort()).toEqual(ticketIds.map((id) => `${id}@3`).sort());
    client.close();
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('R5: rate limits through the typed client', () => {
  it('R5: actions past the connection limit reject with rate_limited and retryAfterSeconds; nothing is lost after', async () => {
    await replaceSettings(
      seedingAdmin,
      settingsSchema.parse({ limits: { operatorActions: { perSecond: 1, burst: 3 } } }),
    );
    resetActionLimits();
    const client = clientFor(anna);
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => client.request('counters', {})));
    const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(3);
    expect(refused).toHaveLength(3);
    for (const error of refused) {
      expect(error).toBeInstanceOf(ProtocolError);
      expect(error).toMatchObject({ code: 'rate_limited', retryAfterSeconds: expect.any(Number) });
      expect((error as ProtocolError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
    await new Promise((resolve) => setTimeout(resolve, ((refused[0] as ProtocolError).retryAfterSeconds ?? 1) * 1000));
    expect(await client.request('counters', {})).toMatchObject({ operatorId: anna.operatorId });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionIdsOf, recordConnection } from '../../shared/realtime/connections';
import type { ChannelConfig } from '../../shared/store/channels';
import type { Operator } from '../../shared/store/operators';
import {
  type AuthGateway,
  seedGroup,
  seedOperator,
  seedWidgetChannel,
  startAuthGateway,
  WIDGET_ORIGIN,
} from '../support/operator-auth';
import { connect, type Peer } from '../support/peer';
import { useTestTable } from '../support/table';

let stack: AuthGateway;
let widget: ChannelConfig;
let anna: Operator;
let carl: Operator;
let boris: Operator;
let sue: Operator;
const peers: Peer[] = [];

async function operatorPeer(operator: Operator): Promise<Peer> {
  const token = await stack.tokens.mintAccessToken(operator.operatorId);
  const peer = await connect(`${stack.gateway.wsUrl}?token=${token}`);
  peers.push(peer);
  return peer;
}

async function visitorPeer(name: string): Promise<{ peer: Peer; clientId: string; token: string }> {
  const response = await fetch(`${stack.gateway.httpUrl}/widget/${widget.channelId}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  expect(response.status).toBe(201);
  const session = (await response.json()) as { visitorToken: string; clientId: string };
  const peer = await connect(`${stack.gateway.wsUrl}?token=${session.visitorToken}`, { origin: WIDGET_ORIGIN });
  peers.push(peer);
  return { peer, clientId: session.clientId, token: session.visitorToken };
}

beforeAll(async () => {
  await useTestTable();
  stack = await startAuthGateway();
  const first = await seedGroup('First line');
  const second = await seedGroup('Second line');
  widget = await seedWidgetChannel(first.groupId);
  anna = await seedOperator({ name: 'Anna', groupIds: [first.groupId] });
  carl = await seedOperator({ name: 'Carl', groupIds: [first.groupId] });
  boris = await seedOperator({ name: 'Boris', groupIds: [second.groupId] });
  sue = await seedOperator({ name: 'Sue', role: 'supervisor' });
});

afterAll(async () => {
  await Promise.all(peers.map((peer) => peer.close()));
  await stack.gateway.close();
});

describe('R1/R2 ticket flow over the WebSocket API', () => {
  it('a widget message reaches exactly the operators who may see it; take, reply, transfer, close flow live', async () => {
    const [annaPeer, carlPeer, borisPeer, suePeer] = await Promise.all([
      operatorPeer(anna),
      operatorPeer(carl),
      operatorPeer(boris),
      operatorPeer(sue),
    ]);
    const visitor = await visitorPeer('Olga');

    const sent = await visitor.peer.call('chat.send', { text: 'My card is blocked' });
    expect(sent).toMatchObject({ ok: true, data: { from: 'me', text: 'My card is blocked' } });

    // R2: group 1 (Anna, Carl) and the supervisor see the new ticket; Boris (group 2) does not.
    const created = await annaPeer.waitFor((f) => f.event === 'ticket.created');
    const ticketId = created.data?.ticketId as string;
    await carlPeer.waitFor((f) => f.event === 'ticket.created');
    await suePeer.waitFor((f) => f.event === 'ticket.created');
    const unassigned = await annaPeer.call('list', { tab: 'unassigned' });
    expect(unassigned.data?.items).toEqual([
      expect.objectContaining({
        ticketId,
        clientName: 'Olga',
        lastMessagePreview: 'My card is blocked',
        unreadCount: 1,
      }),
    ]);

    // T4: Anna takes; Carl's list learns it left Unassigned; Anna's counters follow.
    expect((await annaPeer.call('take', { ticketId })).ok).toBe(true);
    await carlPeer.waitFor((f) => f.event === 'ticket.updated' && f.data?.ticketId === ticketId);
    expect((await carlPeer.call('list', { tab: 'unassigned' })).data?.items).toEqual([]);
    await annaPeer.waitFor((f) => f.event === 'counters' && (f.data as { inProgress?: number }).inProgress === 1);
    const carlTake = await carlPeer.call('take', { ticketId });
    expect(carlTake).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(carlTake.error?.message).toContain('Anna');

    // M3: the reply reaches the visitor's socket and its status flows back to operators.
    const reply = await annaPeer.call('message.send', { ticketId, text: 'Let me check that for you' });
    expect(reply).toMatchObject({ ok: true, data: { status: 'delivered', text: 'Let me check that for you' } });
    await visitor.peer.waitFor((f) => f.event === 'message.created' && f.data?.from === 'support');
    await suePeer.waitFor((f) => f.event === 'message.status' && f.data?.status === 'delivered');
    // System notes never reach the visitor.
    expect(visitor.peer.frames.some((f) => JSON.stringify(f).includes('Ticket taken'))).toBe(false);

    // M11: client typing reaches the assignee.
    await visitor.peer.call('chat.typing', { typing: true });
    await annaPeer.waitFor((f) => f.event === 'client.typing');

    // C3: the visitor's widget going away (its last socket) shows it offline to the assignee; back online on return.
    await visitor.peer.close();
    const offline = await annaPeer.waitFor((f) => f.event === 'client.presence' && f.data?.online === false);
    expect(offline.data).toMatchObject({ clientId: visitor.clientId, ticketId });
    visitor.peer = await connect(`${stack.gateway.wsUrl}?token=${visitor.token}`, { origin: WIDGET_ORIGIN });
    peers.push(visitor.peer);
    await annaPeer.waitFor((f) => f.event === 'client.presence' && f.data?.online === true);

    // T6 then T8: transfer to the second line, Boris takes and closes.
    expect((await borisPeer.call('list', { tab: 'unassigned' })).data?.items).toEqual([]);
    const secondLine = boris.groupIds[0] as string;
    expect((await annaPeer.call('transfer', { ticketId, groupId: secondLine })).ok).toBe(true);
    await borisPeer.waitFor((f) => f.event === 'ticket.updated' && f.data?.ticketId === ticketId);
    expect((await borisPeer.call('take', { ticketId })).ok).toBe(true);
    expect((await borisPeer.call('close', { ticketId })).ok).toBe(true);

    // Every step is in the history, in order, and the visitor's chat stays continuous (no system notes).
    const history = await suePeer.call('history', { ticketId, limit: 50 });
    const timeline = ((history.data?.items ?? []) as Array<{ kind: string; note?: { code: string } }>)
      .map((m) => (m.kind === 'system' ? m.note?.code : m.kind))
      .reverse();
    expect(timeline).toEqual(['opened', 'text', 'taken', 'text', 'transferred', 'taken', 'closed']);
    const visitorHistory = await visitor.peer.call('chat.history');
    expect((visitorHistory.data?.items ?? []) as unknown[]).toHaveLength(2);

    // R2: every ticket event Sue saw carries the ticket's sequence number, with no gap; sync fills one on demand.
    const seqs = suePeer.frames
      .filter((f) => f.type === 'event' && f.data?.ticketId === ticketId && typeof f.data?.seq === 'number')
      .map((f) => f.data?.seq as number);
    const distinct = [...new Set(seqs)].sort((a, b) => a - b);
    expect(distinct).toEqual(Array.from({ length: distinct.length }, (_, i) => i + 1));
    const sync = await suePeer.call('sync', { ticketId, afterSeq: 3 });
    const synced = sync.data as { ticket: { seq: number }; messages: Array<{ seq: number; messageId: string }> };
    // Each message or note is returned once, at the seq of its latest change: the reply's delivery status moved it
    // from the seq it was written with to the status change's, so that seq has no message of its own any more.
    const stored = (history.data?.items ?? []) as Array<{ seq: number; messageId: string }>;
    const changedAfter3 = stored.filter((m) => m.seq > 3).sort((a, b) => a.seq - b.seq);
    expect(synced.messages.map((m) => m.messageId)).toEqual(changedAfter3.map((m) => m.messageId));
    expect(synced.messages.every((m) => distinct.includes(m.seq))).toBe(true);
    expect(synced.ticket.seq).toBe(distinct.at(-1));

    // Boris never saw the ticket while it was group 1's: the first he heard of it was the transfer.
    const borisFirst = borisPeer.frames.find((f) => f.data?.ticketId === ticketId);
    expect(JSON.stringify(borisFirst)).toContain('"code":"transferred"');
    expect(borisPeer.events('ticket.created', ticketId)).toEqual([]);
  });

  it('R1: bad frames get error replies and the connection stays usable', async () => {
    const peer = await operatorPeer(anna);
    const missing = await peer.call('take', { ticketId: 'cl_nope.1' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const invalid = await peer.call('assign', { ticketId: 'cl_x.1' });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(invalid.error?.message).toContain('operatorId');
    const allTab = await peer.call('list', { tab: 'all' });
    expect(allTab).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await peer.call('counters')).ok).toBe(true);
  });

  it('R3: a stale connection is removed on the first failed push and nobody else is affected', async () => {
    const [annaPeer] = await Promise.all([operatorPeer(anna)]);
    const stale = 'stale-connection=';
    await recordConnection({
      connectionId: stale,
      principal: `operator#${carl.operatorId}`,
      audiences: [`group#${anna.groupIds[0]}`],
      connectedAt: new Date(Date.now() - 10 * 60_000).toISOString(),
    });
    expect(await connectionIdsOf(`group#${anna.groupIds[0]}`)).toContain(stale);
    const visitor = await visitorPeer('Pavel');
    await visitor.peer.call('chat.send', { text: 'Hello?' });
    await annaPeer.waitFor((f) => f.event === 'ticket.created' && JSON.stringify(f).includes('Pavel'));
    expect(await connectionIdsOf(`group#${anna.groupIds[0]}`)).not.toContain(stale);
  });
});

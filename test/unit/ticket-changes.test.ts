// Every ticket change the state machine decides, without any engine: opening (T1, T3), outbound start (T9), a
// client message (T1, C6), a reply (M2), a read mark (M6), marks (C5, C6), auto-close (T11), and the timeline (T10).
import { describe, expect, it } from 'vitest';
import type { OperatorActor } from '../../shared/domain/actors';
import { decideAutoClose } from '../../shared/domain/auto-close';
import { decideBlacklist, decideUnblock } from '../../shared/domain/blacklist';
import { decideBlacklistedMessage, decideClientMessage } from '../../shared/domain/client-message';
import { DomainError } from '../../shared/domain/errors';
import type { MessageDraft } from '../../shared/domain/messages';
import { decideRead, decideReply } from '../../shared/domain/operator-reply';
import { decidePin, decideUnpin } from '../../shared/domain/pin';
import { routeTicket } from '../../shared/domain/routing';
import { changeOf, type TicketChange } from '../../shared/domain/ticket-change';
import { decideOpen, decideStart } from '../../shared/domain/ticket-open';
import { decideCommand, type Ticket } from '../../shared/domain/ticket-rules';

const now = new Date('2026-05-01T12:00:00Z');
const anna: OperatorActor = { kind: 'operator', operatorId: 'op-anna', role: 'operator', groupIds: ['g1'] };
const boris: OperatorActor = { kind: 'operator', operatorId: 'op-boris', role: 'operator', groupIds: ['g1'] };
const carl: OperatorActor = { kind: 'operator', operatorId: 'op-carl', role: 'operator', groupIds: ['g2'] };
const sue: OperatorActor = { kind: 'operator', operatorId: 'op-sue', role: 'supervisor', groupIds: [] };
const ada: OperatorActor = { kind: 'operator', operatorId: 'op-ada', role: 'admin', groupIds: [] };
const client = { clientId: 'cl_1', name: 'Olga', channelId: 'ch_1' };

function ticket(overrides: Partial<Ticket> = {}): Ticket {
  return {
    ticketId: 'cl_1.7',
    number: 7,
    clientId: 'cl_1',
    clientName: 'Olga',
    channelId: 'ch_1',
    status: 'unassigned',
    groupId: 'g1',
    openedAt: '2026-05-01T11:00:00Z',
    statusChangedAt: '2026-05-01T11:00:00Z',
    lastMessageAt: '2026-05-01T11:30:00Z',
    lastMessagePreview: 'hello',
    lastMessageFromOperator: false,
    unreadCount: 2,
    messageCount: 2,
    seq: 4,
    ...overrides,
  };
}

const clientText = (text: string, at = now): MessageDraft => ({
  messageId: `m-${text}`,
  author: { kind: 'client' },
  kind: 'text',
  text,
  createdAt: at.toISOString(),
});

function errorOf(run: () => unknown): { code: string; reason?: unknown } {
  try {
    run();
  } catch (e) {
    if (e instanceof DomainError) return { code: e.code, reason: e.details?.reason };
    throw e;
  }
  throw new Error('expected an error');
}

/** R2: the change's messages carry before.seq + 1 … after.seq, one each, in order. */
function expectSeqsFollow(change: TicketChange) {
  const from = change.before?.seq ?? change.after.seq - Math.max(1, change.messages.length);
  expect(change.messages.map((m) => m.seq)).toEqual(change.messages.map((_, i) => from + i + 1));
  expect(change.after.seq).toBe(from + Math.max(1, change.messages.length));
  for (const message of change.messages) {
    expect(message).toMatchObject({
      ticketId: change.after.ticketId,
      ticketNumber: change.after.number,
      clientId: change.after.clientId,
    });
  }
}

describe('T1/T3 opening a ticket', () => {
  it('T1: a first message opens an unassigned ticket in the default group, note first, then the message', () => {
    const routing = routeTicket({ groupId: 'g1', strategy: 'manual', candidates: [] });
    const change = decideOpen({ client, number: 35, routing, message: clientText('My card is blocked'), now });
    expect(change.before).toBeUndefined();
    expect(change.after).toMatchObject({
      ticketId: 'cl_1.35',
      number: 35,
      status: 'unassigned',
      groupId: 'g1',
      unreadCount: 1,
      messageCount: 1,
      lastMessagePreview: 'My card is blocked',
      openedAt: now.toISOString(),
    });
    expect(change.after.assigneeId).toBeUndefined();
    expect(change.messages.map((m) => m.text)).toEqual(['Ticket opened', 'My card is blocked']);
    expect(change.messages[0]?.note).toEqual({
      code: 'opened',
      text: 'Ticket opened',
      params: { groupId: 'g1', reason: 'manual' },
    });
    expect(change.counters.size).toBe(0);
    expect(change.restartsAutoClose).toBe(true);
    expectSeqsFollow(change);
  });

  it('T3: routed to an operator, the ticket opens in progress for it, counts toward its load, and says so', () => {
    const routing = routeTicket({
      groupId: 'g1',
      strategy: 'least_busy',
      candidates: [
        { operatorId: 'op-anna', online: true, enabled: true, inProgress: 3, capacity: 5 },
        { operatorId: 'op-boris', online: true, enabled: true, inProgress: 1, capacity: 5 },
      ],
    });
    const change = decideOpen({ client, number: 36, routing, message: clientText('hi'), now });
    expect(change.after).toMatchObject({ status: 'in_progress', assigneeId: 'op-boris' });
    expect(change.messages[0]?.note).toMatchObject({
      code: 'opened',
      text: 'Ticket opened and assigned',
      params: { operatorId: 'op-boris', reason: 'least_busy' },
    });
    expect([...change.counters]).toEqual([['op-boris', { inProgress: 1, unreadTickets: 1 }]]);
  });

  it('T3/C5: a pinned client opens straight to its operator', () => {
    const routing = routeTicket({ groupId: 'g1', strategy: 'manual', pinnedTo: 'op-anna', candidates: [] });
    const change = decideOpen({ client, number: 37, routing, message: clientText('again'), now });
    expect(change.after).toMatchObject({ status: 'in_progress', assigneeId: 'op-anna' });
    expect(change.messages[0]?.note?.params.reason).toBe('pinned');
  });

  it('T1/P1: a ticket opened after consent counts the messages written before it and continues their seqs', () => {
    const routing = routeTicket({ groupId: 'g1', strategy: 'manual', candidates: [] });
    const change = decideOpen({
      client,
      number: 38,
      routing,
      message: clientText('OK'),
      earlier: { messages: 2, unread: 1, lastSeq: 2 },
      now,
    });
    expect(change.after).toMatchObject({ unreadCount: 2, messageCount: 3, seq: 4 });
    expect(change.messages.map((m) => m.seq)).toEqual([3, 4]);
  });
});

describe('T9 outbound start', () => {
  it('T9: opens a ticket in progress for the starter with a "started" note and nothing unread', () => {
    const change = decideStart({
      actor: anna,
      client,
      latest: ticket({ status: 'closed' }),
      groupId: 'g1',
      number: 40,
      now,
    });
    expect(change.after).toMatchObject({
      ticketId: 'cl_1.40',
      status: 'in_progress',
      assigneeId: 'op-anna',
      unreadCount: 0,
      lastMessageFromOperator: true,
      seq: 1,
    });
    expect(change.messages).toEqual([
      expect.objectContaining({
        seq: 1,
        note: expect.objectContaining({ code: 'started', params: { by: 'op-anna' } }),
      }),
    ]);
    expect([...change.counters]).toEqual([['op-anna', { inProgress: 1, unreadTickets: 0 }]]);
  });

  it('T9: refused while the client has an open ticket, and for a client of another group', () => {
    expect(
      errorOf(() => decideStart({ actor: anna, client, latest: ticket(), groupId: 'g1', number: 41, now })).code,
    ).toBe('conflict');
    const closedElsewhere = ticket({ status: 'closed', groupId: 'g2' });
    expect(
      errorOf(() => decideStart({ actor: anna, client, latest: closedElsewhere, groupId: 'g2', number: 41, now })).code,
    ).toBe('forbidden');
  });
});

describe('T1/C6 a client message', () => {
  it('T1: joins the open ticket as its newest message and one more unread; the assignee badge lights once', () => {
    const mine = ticket({ status: 'in_progress', assigneeId: 'op-anna', unreadCount: 0 });
    const later = new Date('2026-05-01T12:05:00Z');
    const change = decideClientMessage(mine, clientText('still there?', later));
    expect(change.after).toMatchObject({
      unreadCount: 1,
      messageCount: 3,
      lastMessageAt: later.toISOString(),
      lastMessagePreview: 'still there?',
      lastMessageFromOperator: false,
      seq: 5,
    });
    expect([...change.counters]).toEqual([['op-anna', { inProgress: 0, unreadTickets: 1 }]]);
    expect(change.restartsAutoClose).toBe(false);
    expectSeqsFollow(change);
  });

  it('C6: a blacklisted client message takes the next seq of its latest ticket, which otherwise does not move', () => {
    const closed = ticket({ status: 'closed', closedBy: 'op-anna', seq: 9 });
    const change = decideBlacklistedMessage(closed, clientText('buy now!!!'));
    expect(change.after).toEqual({ ...closed, seq: 10 });
    expect(change.messages.map((m) => m.seq)).toEqual([10]);
    expect(change.counters.size).toBe(0);
  });
});

describe('M2 operator reply and M6 read mark', () => {
  it('M2: a reply is a queued operator text message at the next seq, quoting what it quotes', () => {
    const mine = ticket({ status: 'in_progress', assigneeId: 'op-anna' });
    const quote = { messageId: 'm-1', preview: 'hello' };
    const change = decideReply(anna, mine, { text: 'Let me check', quote }, now);
    const [message] = change.messages;
    expect(message).toEqual({
      messageId: expect.any(String),
      ticketId: 'cl_1.7',
      ticketNumber: 7,
      clientId: 'cl_1',
      author: { kind: 'operator', operatorId: 'op-anna' },
      kind: 'text',
      text: 'Let me check',
      status: 'queued',
      quote,
      createdAt: now.toISOString(),
      seq: 5,
    });
    expect(change.after).toMatchObject({
      lastMessageFromOperator: true,
      lastMessagePreview: 'Let me check',
      messageCount: 3,
      unreadCount: 2,
    });
  });

  it('M2: replies to a closed ticket or by an operator who may not reply are refused', () => {
    expect(
      errorOf(() => decideReply(sue, ticket({ status: 'closed', closedBy: 'op-anna' }), { text: 'hi' }, now)).code,
    ).toBe('conflict');
    const borisTicket = ticket({ status: 'in_progress', assigneeId: 'op-boris' });
    expect(errorOf(() => decideReply(anna, borisTicket, { text: 'hi' }, now)).code).toBe('forbidden');
  });

  it('M6: reading zeroes unread with a seq of its own and no message; nothing unread is no change', () => {
    const mine = ticket({ status: 'in_progress', assigneeId: 'op-anna' });
    const change = decideRead(anna, mine);
    expect(change?.after).toMatchObject({ unreadCount: 0, seq: 5 });
    expect(change?.messages).toEqual([]);
    expect([...(change?.counters ?? [])]).toEqual([['op-anna', { inProgress: 0, unreadTickets: -1 }]]);
    expect(decideRead(anna, { ...mine, unreadCount: 0 })).toBeUndefined();
  });
});

describe('C6 blacklist and C5 pin', () => {
  it('C6: blacklisting closes the open ticket in the same change, notes it, and frees the assignee', () => {
    const mine = ticket({ status: 'in_progress', assigneeId: 'op-anna' });
    const decision = decideBlacklist(anna, { clientId: 'cl_1' }, mine, now);
    expect(decision.closes).toBe(true);
    expect(decision.change?.after).toMatchObject({ status: 'closed', closedBy: 'op-anna', unreadCount: 0, seq: 5 });
    expect(decision.change?.messages.map((m) => m.note?.code)).toEqual(['blacklisted']);
    expect(decision.change?.closes).toBe(true);
    expect([...(decision.change?.counters ?? [])]).toEqual([['op-anna', { inProgress: -1, unreadTickets: -1 }]]);
  });

  it('C6: only staff or whoever sees the latest ticket may blacklist; twice is a conflict; unblock needs a mark', () => {
    expect(errorOf(() => decideBlacklist(carl, { clientId: 'cl_1' }, ticket(), now))).toEqual({
      code: 'forbidden',
      reason: 'not_visible',
    });
    expect(decideBlacklist(sue, { clientId: 'cl_1' }, undefined, now).change).toBeUndefined();
    expect(errorOf(() => decideBlacklist(sue, { clientId: 'cl_1', blacklisted: true }, ticket(), now)).code).toBe(
      'conflict',
    );
    expect(errorOf(() => decideUnblock(sue, { clientId: 'cl_1' }, ticket(), now)).code).toBe('conflict');
    const closed = ticket({ status: 'closed', seq: 6 });
    const unblocked = decideUnblock(sue, { clientId: 'cl_1', blacklisted: true }, closed, now);
    expect(unblocked.change?.after).toEqual({ ...closed, seq: 7 });
  });

  it('C5: an operator pins to itself, an admin to anyone; the pin is noted in the latest ticket', () => {
    const target = { operatorId: 'op-anna', name: 'Anna', enabled: true };
    expect(errorOf(() => decidePin(boris, target, 'op-anna', { clientId: 'cl_1' }, ticket(), now))).toEqual({
      code: 'forbidden',
      reason: 'not_pin_owner',
    });
    const pinned = decidePin(ada, target, 'op-anna', { clientId: 'cl_1' }, ticket(), now);
    expect(pinned.change?.messages[0]?.note).toEqual({
      code: 'pinned',
      text: 'Client pinned to Anna',
      params: { operatorId: 'op-anna', by: 'op-ada' },
    });
    expect(
      errorOf(() => decidePin(anna, { ...target, enabled: false }, 'op-anna', { clientId: 'cl_1' }, ticket(), now))
        .code,
    ).toBe('not_found');
  });

  it('C5: only the pinned operator or an admin unpins; nothing pinned is a conflict', () => {
    expect(errorOf(() => decideUnpin(boris, { clientId: 'cl_1', pinnedTo: 'op-anna' }, ticket(), now)).code).toBe(
      'forbidden',
    );
    expect(errorOf(() => decideUnpin(anna, { clientId: 'cl_1' }, ticket(), now)).code).toBe('conflict');
    const unpinned = decideUnpin(anna, { clientId: 'cl_1', pinnedTo: 'op-anna', defaultGroupId: 'g1' }, undefined, now);
    expect(unpinned.note.code).toBe('unpinned');
    expect(unpinned.change).toBeUndefined();
  });
});

describe('T11 auto-close as a change', () => {
  it('T11: a silent ticket closes with an automatic note, no author, and its client has no open ticket', () => {
    const mine = ticket({ status: 'in_progress', assigneeId: 'op-anna', lastMessageAt: '2026-05-01T10:00:00Z' });
    const decision = decideAutoClose(mine, { inProgressMinutes: 60, unassignedDays: 30 }, now);
    if (!decision) throw new Error('expected a decision');
    const change = changeOf(mine, decision, undefined, now);
    expect(change.after).toMatchObject({ status: 'closed', closedAt: now.toISOString(), unreadCount: 0, seq: 5 });
    expect(change.after.closedBy).toBeUndefined();
    expect(change.messages[0]).toMatchObject({ author: { kind: 'system' }, note: { code: 'auto_closed' } });
    expect(change.closes).toBe(true);
    expect(change.restartsAutoClose).toBe(false);
  });
});

describe('T10 timeline', () => {
  it('T10: every command adds exactly one note naming what happened and who did it, at the next seq', () => {
    const start = ticket();
    const taken = decideCommand(start, { type: 'take' }, anna, now);
    const transferred = decideCommand(
      taken.after,
      { type: 'transfer', group: { groupId: 'g2', name: 'Second' } },
      anna,
      now,
    );
    const closed = decideCommand(
      decideCommand(transferred.after, { type: 'take' }, carl, now).after,
      { type: 'close' },
      carl,
      now,
    );
    const notes = [taken, transferred, closed].map((change) => change.messages);
    for (const entries of notes) expect(entries).toHaveLength(1);
    expect(notes.map(([m]) => [m?.kind, m?.text, m?.author])).toEqual([
      ['system', 'Ticket taken', { kind: 'system', operatorId: 'op-anna' }],
      ['system', "Ticket transferred to group 'Second'", { kind: 'system', operatorId: 'op-anna' }],
      ['system', 'Ticket closed', { kind: 'system', operatorId: 'op-carl' }],
    ]);
    expect([taken, transferred].map((c) => c.messages[0]?.seq)).toEqual([5, 6]);
    expect(closed.after.seq).toBe(8);
    expect(closed.closes).toBe(true);
    expect(transferred.restartsAutoClose).toBe(true);
  });

  it('T10/R2: a sequence of changes never gives two entries of a ticket the same seq', () => {
    let current = ticket({ seq: 0 });
    const seqs: number[] = [];
    const steps: Array<(t: Ticket) => TicketChange | undefined> = [
      (t) => decideClientMessage(t, clientText('a')),
      (t) => decideCommand(t, { type: 'take' }, anna, now),
      (t) => decideRead(anna, t),
      (t) => decideReply(anna, t, { text: 'b' }, now),
      (t) => decideClientMessage(t, clientText('c')),
      (t) => decideCommand(t, { type: 'close' }, anna, now),
      (t) => decideBlacklistedMessage(t, clientText('d')),
    ];
    for (const step of steps) {
      const change = step(current);
      if (!change) continue;
      expect(change.after.seq).toBeGreaterThan(current.seq);
      seqs.push(...change.messages.map((m) => m.seq));
      current = change.after;
    }
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });
});

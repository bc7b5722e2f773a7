import { describe, expect, it } from 'vitest';
import type { OperatorActor } from '../../shared/domain/actors';
import { DomainError } from '../../shared/domain/errors';
import {
  boundClientText,
  decide,
  decideAutoClose,
  MAX_CLIENT_TEXT_LENGTH,
  previewOf,
  type Ticket,
  validateText,
} from '../../shared/domain/ticket-rules';

const now = new Date('2026-05-01T12:00:00Z');
const anna: OperatorActor = { kind: 'operator', operatorId: 'op-anna', role: 'operator', groupIds: ['g1'] };
const boris: OperatorActor = { kind: 'operator', operatorId: 'op-boris', role: 'operator', groupIds: ['g1'] };
const sue: OperatorActor = { kind: 'operator', operatorId: 'op-sue', role: 'supervisor', groupIds: [] };

function ticket(overrides: Partial<Ticket> = {}): Ticket {
  return {
    ticketId: 'cl_1:7',
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

function error(run: () => unknown): { code: string; details?: Record<string, unknown> } {
  try {
    run();
  } catch (e) {
    if (e instanceof DomainError) return { code: e.code, ...(e.details ? { details: e.details } : {}) };
    throw e;
  }
  throw new Error('expected an error');
}

describe('T4 take', () => {
  it('an unassigned ticket becomes in_progress for the taker, conditioned on the state it was decided from', () => {
    const decision = decide(ticket(), { type: 'take' }, anna, now);
    expect(decision.changes).toMatchObject({ status: 'in_progress', assigneeId: 'op-anna', seq: 5 });
    expect(decision.changes.statusChangedAt).toBe(now.toISOString());
    expect(decision.expect).toEqual({ status: 'unassigned', assigneeId: undefined, seq: 4 });
    expect(decision.note).toMatchObject({ code: 'taken', params: { operatorId: 'op-anna' } });
  });

  it('a taken ticket gives a conflict naming the winner', () => {
    const taken = ticket({ status: 'in_progress', assigneeId: 'op-anna' });
    expect(error(() => decide(taken, { type: 'take' }, sue, now))).toEqual({
      code: 'conflict',
      details: { assigneeId: 'op-anna' },
    });
  });

  it('an operator of the group who lost the race hears who won, not that the ticket is invisible', () => {
    const taken = ticket({ status: 'in_progress', assigneeId: 'op-anna', statusChangedAt: '2026-05-01T11:59:58Z' });
    expect(error(() => decide(taken, { type: 'take' }, boris, now))).toEqual({
      code: 'conflict',
      details: { assigneeId: 'op-anna' },
    });
  });

  it('X1: a take of a ticket another operator took long ago is refused as not visible, naming nobody', () => {
    const taken = ticket({ status: 'in_progress', assigneeId: 'op-anna', statusChangedAt: '2026-05-01T11:00:00Z' });
    expect(error(() => decide(taken, { type: 'take' }, boris, now))).toEqual({
      code: 'forbidden',
      details: { reason: 'not_visible' },
    });
  });

  it('a closed ticket cannot be taken', () => {
    const closed = ticket({ status: 'closed', closedBy: 'op-anna', assigneeId: 'op-anna' });
    expect(error(() => decide(closed, { type: 'take' }, anna, now)).code).toBe('conflict');
  });

  it('a ticket of another group is not visible to an operator', () => {
    expect(error(() => decide(ticket({ groupId: 'g2' }), { type: 'take' }, anna, now))).toEqual({
      code: 'forbidden',
      details: { reason: 'not_visible' },
    });
  });
});

describe('T5 assign', () => {
  it('assigns to an operator sharing a group and records who did it', () => {
    const decision = decide(
      ticket({ status: 'in_progress', assigneeId: 'op-anna' }),
      { type: 'assign', to: { operatorId: 'op-boris', name: 'Boris', groupIds: ['g1'] } },
      anna,
      now,
    );
    expect(decision.changes).toMatchObject({ status: 'in_progress', assigneeId: 'op-boris' });
    expect(decision.note).toMatchObject({ code: 'assigned', text: 'Ticket assigned to Boris' });
  });

  it('an operator may not assign to someone outside its groups; a supervisor may', () => {
    const to = { operatorId: 'op-x', name: 'X', groupIds: ['g9'] };
    expect(error(() => decide(ticket(), { type: 'assign', to }, anna, now)).details).toEqual({
      reason: 'target_not_in_shared_group',
    });
    expect(decide(ticket(), { type: 'assign', to }, sue, now).changes.assigneeId).toBe('op-x');
  });

  it('assigning to the current assignee is a conflict', () => {
    const mine = ticket({ status: 'in_progress', assigneeId: 'op-anna' });
    const to = { operatorId: 'op-anna', name: 'Anna', groupIds: ['g1'] };
    expect(error(() => decide(mine, { type: 'assign', to }, anna, now)).code).toBe('conflict');
  });
});

describe('T6 transfer, T7 return, T8 close, category', () => {
  const mine = ticket({ status: 'in_progress', assigneeId: 'op-anna' });

  it('T6 transfer makes the ticket unassigned in the other group with a system note naming it', () => {
    const decision = decide(mine, { type: 'transfer', group: { groupId: 'g2', name: 'Second line' } }, anna, now);
    expect(decision.changes).toMatchObject({ status: 'unassigned', groupId: 'g2' });
    expect(decision.removes).toEqual(['assigneeId']);
    expect(decision.note.text).toBe("Ticket transferred to group 'Second line'");
  });

  it('T7 return to unassigned keeps the group; only the assignee may do it', () => {
    const decision = decide(mine, { type: 'unassign' }, anna, now);
    expect(decision.changes).toMatchObject({ status: 'unassigned' });
    expect(decision.changes.groupId).toBeUndefined();
    expect(decision.removes).toEqual(['assigneeId']);
    expect(
      error(() => decide(ticket({ status: 'in_progress', assigneeId: 'op-boris' }), { type: 'unassign' }, anna, now))
        .code,
    ).toBe('forbidden');
    expect(error(() => decide(ticket(), { type: 'unassign' }, sue, now)).code).toBe('conflict');
  });

  it('T8 close records who and when, zeroes unread, and cannot happen twice', () => {
    const decision = decide(mine, { type: 'close' }, anna, now);
    expect(decision.changes).toMatchObject({
      status: 'closed',
      closedBy: 'op-anna',
      closedAt: now.toISOString(),
      unreadCount: 0,
    });
    const closed = { ...mine, ...decision.changes } as Ticket;
    expect(error(() => decide(closed, { type: 'close' }, anna, now)).code).toBe('conflict');
  });

  it("an operator may not close another operator's ticket", () => {
    expect(
      error(() => decide(ticket({ status: 'in_progress', assigneeId: 'op-boris' }), { type: 'close' }, anna, now))
        .details,
    ).toEqual({
      reason: 'not_visible',
    });
    expect(
      decide(ticket({ status: 'in_progress', assigneeId: 'op-boris' }), { type: 'close' }, sue, now).changes.status,
    ).toBe('closed');
  });

  it('setCategory sets and clears without changing status', () => {
    const set = decide(mine, { type: 'setCategory', category: { categoryId: 'c1', name: 'Billing' } }, anna, now);
    expect(set.changes).toEqual({ seq: 5, categoryId: 'c1' });
    expect(set.note.text).toBe("Category set to 'Billing'");
    const cleared = decide(mine, { type: 'setCategory', category: null }, anna, now);
    expect(cleared.removes).toEqual(['categoryId']);
    expect(error(() => decide(mine, { type: 'setCategory', category: null }, boris, now)).code).toBe('forbidden');
  });
});

describe('T11 auto-close decision', () => {
  const periods = { inProgressMinutes: 60, unassignedDays: 30 };
  it('closes an in_progress ticket after the configured silence, not before', () => {
    const t = ticket({ status: 'in_progress', assigneeId: 'op-anna', lastMessageAt: '2026-05-01T11:00:01Z' });
    expect(decideAutoClose(t, periods, now)).toBeUndefined();
    const later = new Date('2026-05-01T12:00:01Z');
    expect(decideAutoClose(t, periods, later)?.changes).toMatchObject({
      status: 'closed',
      closedAt: later.toISOString(),
    });
  });

  it('closes an unassigned ticket after 30 days', () => {
    const t = ticket({ lastMessageAt: '2026-04-01T12:00:00Z' });
    expect(decideAutoClose(t, periods, new Date('2026-04-30T12:00:00Z'))).toBeUndefined();
    expect(decideAutoClose(t, periods, new Date('2026-05-01T12:00:00Z'))?.note.code).toBe('auto_closed');
  });
});

describe('M4 text limits and L3 preview', () => {
  it('accepts 2000 characters (counting emoji as one) and rejects 2001 or empty', () => {
    expect(validateText('я'.repeat(2000))).toHaveLength(2000);
    expect(validateText('😀'.repeat(2000))).toHaveLength(4000);
    expect(error(() => validateText('x'.repeat(2001)))).toEqual({ code: 'invalid' });
    expect(error(() => validateText('   ')).code).toBe('invalid');
  });

  it('M4: a messenger text keeps up to 4096 characters as sent; beyond, its first 4096 (emoji count as one)', () => {
    const longest = '😀'.repeat(MAX_CLIENT_TEXT_LENGTH);
    expect(boundClientText(longest)).toBe(longest);
    expect(boundClientText(`${longest}tail`)).toBe(longest);
    expect(validateText('x'.repeat(4096), MAX_CLIENT_TEXT_LENGTH)).toHaveLength(4096);
    expect(error(() => validateText('x'.repeat(4097), MAX_CLIENT_TEXT_LENGTH)).code).toBe('invalid');
  });

  it('previews one line of at most 120 characters', () => {
    expect(previewOf('hello\n\nworld')).toBe('hello world');
    expect(previewOf('a'.repeat(300))).toHaveLength(120);
  });
});

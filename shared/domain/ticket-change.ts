// One ticket change as the state machine hands it to the store: the ticket before and after, the messages and
// timeline notes it adds (each at its own sequence number) and how it moves operators' counters. Every use case
// that changes a ticket builds one of these; shared/store/ticket-commit.ts writes it.
import type { OperatorActor } from './actors';
import { type CounterDelta, counterDeltas } from './counters';
import { type Message, type MessageDraft, placeMessage, timelineEntry } from './messages';
import { nextMarkAt, type SlaClock } from './sla';
import type { Decision, Ticket } from './ticket-rules';

export interface TicketChange {
  /** The ticket as it was read; the write is conditioned on its `seq`. Absent: the change opens the ticket. */
  before: Ticket | undefined;
  after: Ticket;
  /** New messages and timeline notes, oldest first; the n-th carries `before.seq + n` (R2: unique, increasing). */
  messages: Message[];
  /** T12: each operator whose counters move, and by how much. */
  counters: Map<string, CounterDelta>;
  /** T11: a new ticket, status or owner starts a new silence period, so the auto-close timer moves. */
  restartsAutoClose: boolean;
  /** T8: the ticket closes now, so its client has no open ticket any more. */
  closes: boolean;
  /** S3/S4: the SLA timer this change sets (the clock's next mark) and the one it replaces. */
  slaTimer: { put?: SlaTimer; remove?: SlaTimer };
}

/** The timer kind that carries a ticket's next SLA mark; `since` names the clock it was set for. */
export const SLA_TIMER = 'ticket.sla';

export interface SlaTimer {
  due: string;
  since: string;
}

/** S2: an operator's reply answers the client (a note, a system message or a bot's message does not). */
const answersClient = (draft: MessageDraft) => draft.author.kind === 'operator' && draft.kind !== 'system';

/**
 * Builds a change from the next state of the ticket and the messages it adds. The sequence rule lives here and only
 * here (R2): each message takes the next number, and a change without messages (a read mark) still takes one, so
 * front ends see every change. A new ticket counts from `next.seq` (what was written before it opened, P1).
 */
export function ticketChange(
  before: Ticket | undefined,
  next: Ticket,
  drafts: readonly MessageDraft[] = [],
): TicketChange {
  const base = before?.seq ?? next.seq;
  const after: Ticket = { ...next, seq: base + Math.max(1, drafts.length) };
  // S2: a reply stops the clock and clears its mark; so does closing the ticket.
  const answer = drafts.find(answersClient);
  if (after.status === 'closed' || answer) delete after.sla;
  // RP1: the first answer is the ticket's first response (reports measure it from the opening).
  if (answer && !after.firstReplyAt) after.firstReplyAt = answer.createdAt;
  const opensOrMoves = before === undefined || before.status !== after.status || before.assigneeId !== after.assigneeId;
  return {
    before,
    after,
    messages: drafts.map((draft, index) => placeMessage(draft, after, base + index + 1)),
    counters: counterDeltas(before, after),
    restartsAutoClose: after.status !== 'closed' && opensOrMoves,
    closes: after.status === 'closed' && before !== undefined && before.status !== 'closed',
    slaTimer: slaTimerMove(before?.sla, after.sla),
  };
}

/** S4: the clock's timer follows its next mark; a change that leaves the clock as it was leaves the timer too. */
function slaTimerMove(previous: SlaClock | undefined, next: SlaClock | undefined): TicketChange['slaTimer'] {
  const was = nextMarkAt(previous);
  const will = nextMarkAt(next);
  if (was === will && previous?.since === next?.since) return {};
  return {
    ...(was && previous ? { remove: { due: was, since: previous.since } } : {}),
    ...(will && next ? { put: { due: will, since: next.since } } : {}),
  };
}

/** An operator command's or the timer's decision as a change: the next ticket and its timeline note (T10). */
export function changeOf(
  ticket: Ticket,
  decision: Decision,
  actor: Pick<OperatorActor, 'operatorId'> | undefined,
  now: Date,
): TicketChange {
  const { seq: _decided, ...changes } = decision.changes;
  return ticketChange(ticket, applyDecision(ticket, changes, decision.removes), [
    timelineEntry(decision.note, actor, now),
  ]);
}

export function applyDecision(ticket: Ticket, changes: Partial<Ticket>, removes: ReadonlyArray<keyof Ticket>): Ticket {
  const next: Record<string, unknown> = { ...ticket, ...changes };
  for (const field of removes) delete next[field];
  return next as unknown as Ticket;
}

/** The sequence number a change made now would give the ticket; decisions state it, the change enforces it. */
export const nextSeq = (ticket: Pick<Ticket, 'seq'>) => ticket.seq + 1;

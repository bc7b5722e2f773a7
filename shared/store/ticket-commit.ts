// The one write path for ticket changes: a decided change (shared/domain/ticket-change.ts) becomes one transaction —
// the ticket conditioned on the `seq` it was decided from, its messages and notes, the client item, counter moves
// (T12), the auto-close timer (T11), the SLA timer (S4) and, for a new ticket, its number — so either all of it is
// stored or none.
import { AUTO_CLOSE_TIMER, type AutoClosePeriods, autoCloseTimerDue } from '../domain/auto-close';
import { SLA_TIMER, type TicketChange } from '../domain/ticket-change';
import type { Ticket } from '../domain/ticket-rules';
import { readConfig } from '../platform/config';
import { keys } from './keys';
import { putMessage } from './messages';
import { claimTicketNumber } from './ticket-numbers';
import { clearOpenTicket, counterUpdates, putTicketIfUnchanged } from './tickets';
import { type DueTimer, timerItem, timerToWrite, wakeIfSoon } from './timers';
import { stale, type TransactItem, type TransactStep, transactWrite } from './transactions';

export interface CommitExtras {
  /**
   * The client item's write that belongs to this change (created, given an open ticket, blacklisted…). Without one,
   * a change that closes the ticket clears the client's open ticket (T8).
   */
  client?: TransactItem;
  /** Writes that must commit with the change or not at all (the inbound dedupe guard, CH2). */
  guards?: readonly TransactStep[];
  /** T11: the periods of the ticket's channel; needed when the change restarts the auto-close clock. */
  autoClose?: AutoClosePeriods;
  /** T3: the routed assignee's capacity, checked as its in-progress count grows (not for a pinned client). */
  capacity?: number;
  /** A new ticket: the client's previous ticket, which stops being its latest (it leaves the Closed tab, L1). */
  previous?: Ticket;
  /** A new ticket: the ticket counter's value it was numbered from (`number - 1`), so the number is taken once. */
  numberedFrom?: number;
  now?: Date;
}

/** Every write the change makes, in one list; a failed condition on the ticket or client means "read again". */
export function commitSteps(change: TicketChange, extras: CommitExtras = {}): TransactStep[] {
  const { before, after } = change;
  const steps: TransactStep[] = [...(extras.guards ?? [])];
  steps.push(stale(putTicketIfUnchanged(after, before?.seq)));
  if (!before) steps.push(...claimTicketNumber(after, extras.numberedFrom));
  steps.push(...change.messages.map((message) => stale(putMessage(message))));
  if (extras.client) steps.push(stale(extras.client));
  else if (change.closes) steps.push(stale(clearOpenTicket(after)));
  if (extras.previous) steps.push(stale(putTicketIfUnchanged(extras.previous, extras.previous.seq, false)));
  const capacity = extras.capacity;
  steps.push(
    ...counterUpdates(change.counters, (operatorId) => (operatorId === after.assigneeId ? capacity : undefined)).map(
      stale,
    ),
  );
  if (change.restartsAutoClose && extras.autoClose) {
    const due = autoCloseTimerDue(after, extras.autoClose, extras.now ?? new Date()).toISOString();
    steps.push({
      item: {
        Put: {
          TableName: readConfig().tableName,
          Item: timerItem({ kind: AUTO_CLOSE_TIMER, id: after.ticketId, due }),
        },
      },
    });
  }
  const sla = slaTimerOf(change, slaClampOf(extras));
  if (sla.put) steps.push({ item: { Put: { TableName: readConfig().tableName, Item: timerItem(sla.put) } } });
  if (sla.remove) {
    steps.push({
      item: {
        Delete: {
          TableName: readConfig().tableName,
          Key: keys.timer(new Date(sla.remove.due), sla.remove.kind, sla.remove.id),
        },
      },
    });
  }
  return steps;
}

/**
 * A mark already due (a message the channel delivered late) fires at once: its timer is written at the later of the
 * decision's time and this clock, never into a past the sweeps have moved beyond.
 */
const slaClampOf = (extras: CommitExtras) => new Date(Math.max(Date.now(), extras.now?.getTime() ?? 0));

/** S3/S4: the change's SLA timers as timer items (a put at the same key as the removal is just the put). */
function slaTimerOf(change: TicketChange, now: Date): { put?: DueTimer; remove?: DueTimer } {
  const { put, remove } = change.slaTimer;
  const id = change.after.ticketId;
  const putTimer = put
    ? timerToWrite({ kind: SLA_TIMER, id, due: put.due, payload: { since: put.since } }, now)
    : undefined;
  const removeTimer = remove && remove.due !== putTimer?.due ? { kind: SLA_TIMER, id, due: remove.due } : undefined;
  return { ...(putTimer ? { put: putTimer } : {}), ...(removeTimer ? { remove: removeTimer } : {}) };
}

/** Writes a decided change in one transaction; throws StaleRecord when the ticket moved since it was read. */
export async function commitTicketChange(change: TicketChange, extras: CommitExtras = {}): Promise<void> {
  await transactWrite(commitSteps(change, extras));
  // S4: an SLA mark due before the next sweep is woken at its second (store/timers.ts).
  const { put } = slaTimerOf(change, slaClampOf(extras));
  if (put) await wakeIfSoon([put], new Date());
}

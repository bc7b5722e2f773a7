// T12 counters: how a ticket change moves each operator's in-progress and unread-ticket counts. Pure; the store
// applies the moves in the same transaction as the change, so counters always equal a recount.
import type { Ticket } from './ticket-rules';

export interface CounterDelta {
  inProgress: number;
  unreadTickets: number;
}

const hasUnreadAssigned = (ticket: Ticket | undefined): ticket is Ticket =>
  ticket !== undefined && ticket.status === 'in_progress' && ticket.unreadCount > 0 && ticket.assigneeId !== undefined;

/** How a transition moves each operator's counters; operators whose counters do not move are left out. */
export function counterDeltas(before: Ticket | undefined, after: Ticket): Map<string, CounterDelta> {
  const deltas = new Map<string, CounterDelta>();
  const add = (operatorId: string | undefined, field: keyof CounterDelta, by: number) => {
    if (!operatorId) return;
    const delta = deltas.get(operatorId) ?? { inProgress: 0, unreadTickets: 0 };
    delta[field] += by;
    deltas.set(operatorId, delta);
  };
  if (before?.status === 'in_progress') add(before.assigneeId, 'inProgress', -1);
  if (after.status === 'in_progress') add(after.assigneeId, 'inProgress', 1);
  if (hasUnreadAssigned(before)) add(before.assigneeId, 'unreadTickets', -1);
  if (hasUnreadAssigned(after)) add(after.assigneeId, 'unreadTickets', 1);
  for (const [operatorId, delta] of deltas) {
    if (delta.inProgress === 0 && delta.unreadTickets === 0) deltas.delete(operatorId);
  }
  return deltas;
}

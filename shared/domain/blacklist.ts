// The blacklist (C6) as pure decisions: who may blacklist or unblock a client, and that blacklisting closes its open
// ticket (T8), since its messages stop reaching operators. Storing a blacklisted client's message is in
// client-message.ts; the client item's blacklist fields and the Blacklist tab are in store/clients.ts.
import { isStaff, type OperatorActor } from './actors';
import { type MarkDecision, type MarkedClient, markInTimeline } from './client-marks';
import { conflict } from './errors';
import { canSeeTicket, forbiddenBecause } from './policy';
import type { Ticket } from './ticket-rules';

/** C6: staff, or an operator who can see the client's latest ticket, may blacklist or unblock. */
export function authorizeBlacklist(actor: OperatorActor, latest: Ticket | undefined): void {
  if (isStaff(actor) || (latest && canSeeTicket(actor, latest))) return;
  throw forbiddenBecause('not_visible', 'You may blacklist only clients whose tickets you can see.');
}

/** C6: the client is blacklisted; its open ticket (if any) closes in the same change (T8). */
export function decideBlacklist(
  actor: OperatorActor,
  client: MarkedClient,
  latest: Ticket | undefined,
  now: Date,
): MarkDecision & { closes: boolean } {
  authorizeBlacklist(actor, latest);
  if (client.blacklisted) throw conflict('This client is already blacklisted.');
  const at = now.toISOString();
  const closes = latest !== undefined && latest.status !== 'closed';
  const next: Ticket | undefined =
    latest && closes
      ? { ...latest, status: 'closed', closedAt: at, closedBy: actor.operatorId, unreadCount: 0, statusChangedAt: at }
      : latest;
  const note = { code: 'blacklisted' as const, text: 'Client blacklisted', params: { by: actor.operatorId } };
  return { ...markInTimeline(latest, next, note, actor, now), closes };
}

/** C6: unblocking changes no ticket; the client's next message is handled like anyone's again. */
export function decideUnblock(
  actor: OperatorActor,
  client: MarkedClient,
  latest: Ticket | undefined,
  now: Date,
): MarkDecision {
  authorizeBlacklist(actor, latest);
  if (!client.blacklisted) throw conflict('This client is not blacklisted.');
  const note = { code: 'unblocked' as const, text: 'Client unblocked', params: { by: actor.operatorId } };
  return markInTimeline(latest, latest, note, actor, now);
}

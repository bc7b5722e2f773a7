// Pinning (C5) as pure decisions: who may pin a client to whom and unpin it. A pinned client's next ticket is routed
// to its operator (routing.ts); the pin itself is a field of the client item (store/clients.ts).
import type { OperatorActor } from './actors';
import { type MarkDecision, type MarkedClient, markInTimeline } from './client-marks';
import { conflict, notFound } from './errors';
import { authorizePin, authorizeUnpin } from './policy';
import type { Ticket } from './ticket-rules';

/**
 * C5 and X1, in this order: the client must be visible to the actor (its latest ticket, or with none its channel's
 * default group); an operator pins to itself, an admin to anyone; a pin held by another operator is replaced only by
 * an admin; then the operator pinned to must exist and be enabled.
 */
export function decidePin(
  actor: OperatorActor,
  target: { operatorId: string; name: string; enabled: boolean } | undefined,
  targetId: string,
  client: MarkedClient & { defaultGroupId?: string | undefined },
  latest: Ticket | undefined,
  now: Date,
): MarkDecision {
  authorizePin(actor, targetId, { ...client, latest });
  if (!target?.enabled) throw notFound(`Operator ${targetId} does not exist or is disabled.`);
  const note = {
    code: 'pinned' as const,
    text: `Client pinned to ${target.name}`,
    params: { operatorId: targetId, by: actor.operatorId },
  };
  return markInTimeline(latest, latest, note, actor, now);
}

/** C5: only the operator the client is pinned to, or an admin, unpins (a client it may see); nothing pinned is a conflict. */
export function decideUnpin(
  actor: OperatorActor,
  client: MarkedClient & { defaultGroupId?: string | undefined },
  latest: Ticket | undefined,
  now: Date,
): MarkDecision {
  // X1: visibility before anything is said, "not pinned" included.
  authorizeUnpin(actor, { ...client, latest });
  if (!client.pinnedTo) throw conflict('This client is not pinned.');
  const note = { code: 'unpinned' as const, text: 'Client unpinned', params: { by: actor.operatorId } };
  return markInTimeline(latest, latest, note, actor, now);
}

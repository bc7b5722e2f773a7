// Pinning (C5) as pure decisions: who may pin a client to whom and unpin it. A pinned client's next ticket is routed
// to its operator (routing.ts); the pin itself is a field of the client item (store/clients.ts).
import type { OperatorActor } from './actors';
import { type MarkDecision, type MarkedClient, markInTimeline } from './client-marks';
import { conflict, notFound } from './errors';
import { authorizePin, authorizeUnpin } from './policy';
import type { Ticket } from './ticket-rules';

/** C5: the operator pinned to must exist and be enabled; an operator pins to itself, an admin to anyone. */
export function decidePin(
  actor: OperatorActor,
  target: { operatorId: string; name: string; enabled: boolean } | undefined,
  targetId: string,
  latest: Ticket | undefined,
  now: Date,
): MarkDecision {
  if (!target?.enabled) throw notFound(`Operator ${targetId} does not exist or is disabled.`);
  authorizePin(actor, targetId);
  const note = {
    code: 'pinned' as const,
    text: `Client pinned to ${target.name}`,
    params: { operatorId: targetId, by: actor.operatorId },
  };
  return markInTimeline(latest, latest, note, actor, now);
}

/** C5: only the operator the client is pinned to, or an admin, unpins; nothing pinned is a conflict. */
export function decideUnpin(
  actor: OperatorActor,
  client: MarkedClient,
  latest: Ticket | undefined,
  now: Date,
): MarkDecision {
  if (client.pinnedTo) authorizeUnpin(actor, client.pinnedTo);
  if (!client.pinnedTo) throw conflict('This client is not pinned.');
  const note = { code: 'unpinned' as const, text: 'Client unpinned', params: { by: actor.operatorId } };
  return markInTimeline(latest, latest, note, actor, now);
}

// Pinning (C5): a client pinned to an operator has its next tickets routed straight to that operator (ingest.ts,
// domain/routing.ts). Decisions: shared/domain/pin.ts.
import { isStaff, type OperatorActor } from '../domain/actors';
import { decidePin, decideUnpin } from '../domain/pin';
import type { Ticket } from '../domain/ticket-rules';
import { getChannel } from '../store/channels';
import { pinClientStep, unpinClientStep } from '../store/clients';
import { getOperator } from '../store/operators';
import type { ClientRecord } from '../store/tickets';
import { type MarkResult, markClient } from './client-mark';

export async function pinClient(
  actor: OperatorActor,
  clientId: string,
  operatorId: string,
  now = new Date(),
): Promise<MarkResult> {
  const target = await getOperator(operatorId);
  return markClient(clientId, async ({ client, latest }) => ({
    decision: decidePin(actor, target, operatorId, await withDefaultGroup(actor, client, latest), latest, now),
    clientWrite: pinClientStep(clientId, operatorId, client.pinnedTo),
  }));
}

export function unpinClient(actor: OperatorActor, clientId: string, now = new Date()): Promise<MarkResult> {
  return markClient(clientId, async ({ client, latest }) => ({
    decision: decideUnpin(actor, await withDefaultGroup(actor, client, latest), latest, now),
    // The decision throws when nothing is pinned, so the pin read is there.
    clientWrite: unpinClientStep(clientId, client.pinnedTo ?? ''),
  }));
}

/** X1: a client with no ticket yet belongs to its channel's default group; only then is the channel read. */
async function withDefaultGroup(actor: OperatorActor, client: ClientRecord, latest: Ticket | undefined) {
  if (latest || isStaff(actor)) return client;
  return { ...client, defaultGroupId: (await getChannel(client.channelId))?.defaultGroupId };
}

// Pinning (C5): a client pinned to an operator has its next tickets routed straight to that operator (ingest.ts,
// domain/routing.ts). Decisions: shared/domain/pin.ts.
import type { OperatorActor } from '../domain/actors';
import { decidePin, decideUnpin } from '../domain/pin';
import { pinClientStep, unpinClientStep } from '../store/clients';
import { getOperator } from '../store/operators';
import { type MarkResult, markClient } from './client-mark';

export async function pinClient(
  actor: OperatorActor,
  clientId: string,
  operatorId: string,
  now = new Date(),
): Promise<MarkResult> {
  const target = await getOperator(operatorId);
  return markClient(clientId, ({ latest }) => ({
    decision: decidePin(actor, target, operatorId, latest, now),
    clientWrite: pinClientStep(clientId, operatorId),
  }));
}

export function unpinClient(actor: OperatorActor, clientId: string, now = new Date()): Promise<MarkResult> {
  return markClient(clientId, ({ client, latest }) => ({
    decision: decideUnpin(actor, client, latest, now),
    // The decision throws when nothing is pinned, so the pin read is there.
    clientWrite: unpinClientStep(clientId, client.pinnedTo ?? ''),
  }));
}

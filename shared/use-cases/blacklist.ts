// The blacklist (C6): an operator blacklists a client (its open ticket closes, its later messages are stored but
// reach nobody — see ingest.ts) or unblocks it. Decisions: shared/domain/blacklist.ts; the Blacklist tab:
// ticket-lists.ts.
import type { OperatorActor } from '../domain/actors';
import { decideBlacklist, decideUnblock } from '../domain/blacklist';
import { blacklistClientStep, unblockClientStep } from '../store/clients';
import { type MarkResult, markClient } from './client-mark';

export type { MarkResult } from './client-mark';

export function blacklistClient(actor: OperatorActor, clientId: string, now = new Date()): Promise<MarkResult> {
  return markClient(clientId, ({ client, latest }) => {
    const decision = decideBlacklist(actor, client, latest, now);
    const open = decision.closes ? latest?.number : undefined;
    return { decision, clientWrite: blacklistClientStep(clientId, actor.operatorId, now.toISOString(), open) };
  });
}

export function unblockClient(actor: OperatorActor, clientId: string, now = new Date()): Promise<MarkResult> {
  return markClient(clientId, ({ client, latest }) => ({
    decision: decideUnblock(actor, client, latest, now),
    clientWrite: unblockClientStep(clientId),
  }));
}

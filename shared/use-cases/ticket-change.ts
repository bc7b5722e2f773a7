// How every use case changes a ticket: read, let the state machine decide, write the decision through the one commit
// path (store/ticket-commit.ts) conditioned on the state it was decided from, and push it to whoever may see it. A
// lost race is decided again from a fresh read, where the state machine gives the loser its real answer.
import type { TicketChange } from '../domain/ticket-change';
import { publishTicketChange } from '../realtime/ticket-events';
import { type CommitExtras, commitTicketChange } from '../store/ticket-commit';
import { withFreshRead } from '../store/transactions';

export interface Decided<R> {
  /** The change to write; absent when the decision is that nothing changes. */
  change?: TicketChange | undefined;
  extras?: CommitExtras;
  /** C6: a blacklisted client's message is stored but pushed to nobody. */
  silent?: boolean;
  /** What the use case answers once the change is written and pushed. */
  result: R;
}

/**
 * Runs read → decide → commit until it commits against the state it read, then publishes the change. Who may see the
 * change is read after it is written (see publishTicketChange), so a change costs the read, the write, and one round
 * of audience and counter reads.
 */
export async function changeTicket<R>(decideFromFreshRead: () => Promise<Decided<R>>, attempts?: number): Promise<R> {
  const decided = await withFreshRead(async () => {
    const outcome = await decideFromFreshRead();
    if (outcome.change) await commitTicketChange(outcome.change, outcome.extras);
    return outcome;
  }, attempts);
  const { change } = decided;
  if (change && !decided.silent) await publishTicketChange(change.before, change.after, change.messages);
  return decided.result;
}

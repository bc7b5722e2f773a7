// How every use case changes a ticket: read, let the state machine decide, write the decision through the one commit
// path (store/ticket-commit.ts) conditioned on the state it was decided from, and push it to whoever may see it. A
// lost race is decided again from a fresh read, where the state machine gives the loser its real answer.
import type { TicketChange } from '../domain/ticket-change';
import { type ChangeAudience, publishTicketChange, readChangeAudience } from '../realtime/ticket-events';
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
 * change is read alongside its transaction, so a change costs the read, the write and the counters at most.
 */
export async function changeTicket<R>(decideFromFreshRead: () => Promise<Decided<R>>, attempts?: number): Promise<R> {
  const decided = await withFreshRead(async () => {
    const outcome = await decideFromFreshRead();
    const { change } = outcome;
    if (!change) return { outcome };
    const audience: ChangeAudience | undefined = outcome.silent
      ? undefined
      : readChangeAudience(change.before, change.after);
    await commitTicketChange(change, outcome.extras);
    return { outcome, audience };
  }, attempts);
  const { outcome, audience } = decided;
  const { change } = outcome;
  if (change && audience) await publishTicketChange(change.before, change.after, change.messages, undefined, audience);
  return outcome.result;
}

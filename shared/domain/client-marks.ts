// What a client mark (blacklist C6, pin C5) reads of the client, and how a mark lands in the client's latest ticket
// timeline (T10). The marks themselves are decided in blacklist.ts and pin.ts.
import type { OperatorActor } from './actors';
import { timelineEntry } from './messages';
import { type TicketChange, ticketChange } from './ticket-change';
import type { SystemNote, Ticket } from './ticket-rules';

/** The client's marks as decisions need them. */
export interface MarkedClient {
  clientId: string;
  blacklisted?: boolean;
  pinnedTo?: string;
}

/** A mark's outcome: the note for the client's latest ticket (if it has one) and that ticket's change. */
export interface MarkDecision {
  note: SystemNote;
  /** The latest ticket with the note in its timeline; absent when the client has no ticket yet. */
  change: TicketChange | undefined;
}

/** T10: the mark is recorded in the latest ticket's timeline; `next` is that ticket after the mark (closed, or as is). */
export function markInTimeline(
  latest: Ticket | undefined,
  next: Ticket | undefined,
  note: SystemNote,
  actor: OperatorActor,
  now: Date,
): MarkDecision {
  return {
    note,
    change: latest && next ? ticketChange(latest, next, [timelineEntry(note, actor, now)]) : undefined,
  };
}

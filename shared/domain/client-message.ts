// A client's message to a ticket that is already open (T1, T12), and a blacklisted client's message (C6), as pure
// ticket changes. Opening a ticket by a first message is in ticket-open.ts.

import type { MessageDraft } from './messages';
import { clockOnClientMessage } from './sla';
import { type TicketChange, ticketChange } from './ticket-change';
import { previewSource } from './ticket-open';
import { previewOf, type Ticket } from './ticket-rules';

function withClock(open: Ticket, at: string): Pick<Ticket, 'sla'> {
  const sla = clockOnClientMessage(open.sla, open.slaPolicy, at);
  return sla ? { sla } : {};
}

/** T1: the message joins the open ticket: newest message, one more unread (T12 badge), list rows move up (L3). */
export function decideClientMessage(open: Ticket, message: MessageDraft): TicketChange {
  return ticketChange(
    open,
    {
      ...open,
      lastMessageAt: message.createdAt,
      lastMessagePreview: previewOf(previewSource(message)),
      lastMessageFromOperator: false,
      unreadCount: open.unreadCount + 1,
      messageCount: open.messageCount + 1,
      // S2: the first message since the last reply starts the clock; a running one keeps its start.
      ...withClock(open, message.createdAt),
    },
    [message],
  );
}

/**
 * C6: a blacklisted client's message is kept in its latest ticket's history (nothing is lost if it is unblocked) at
 * the ticket's next sequence number, but the ticket itself does not move: no list, counter or operator sees it.
 */
export function decideBlacklistedMessage(latest: Ticket, message: MessageDraft): TicketChange {
  return ticketChange(latest, latest, [message]);
}

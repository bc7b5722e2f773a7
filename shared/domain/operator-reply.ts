// An operator's reply (M2–M4) and read mark (M6, T12) as pure ticket changes.
import type { OperatorActor } from './actors';
import { messageKindOf } from './attachments';
import { conflict } from './errors';
import { type Attachment, type MessageDraft, newMessageId } from './messages';
import { authorizeTicket } from './policy';
import { type TicketChange, ticketChange } from './ticket-change';
import { previewOf, type Ticket } from './ticket-rules';

export interface Reply {
  /** Validated text (M4); absent when files are sent alone. */
  text?: string | undefined;
  /** A1: files already checked and stored. */
  attachments?: readonly Attachment[];
  /** M2: an earlier message of the same ticket this reply quotes. */
  quote?: { messageId: string; preview: string } | undefined;
}

/** M2: the reply is an operator message (text, files or both), queued for delivery (M3); the ticket's newest message is now ours. */
export function decideReply(actor: OperatorActor, ticket: Ticket, reply: Reply, now: Date): TicketChange {
  authorizeTicket(actor, 'ticket.reply', ticket);
  if (ticket.status === 'closed') throw conflict('The ticket is closed; start a new dialog to write to the client.');
  const at = now.toISOString();
  const message: MessageDraft = {
    messageId: newMessageId(now),
    author: { kind: 'operator', operatorId: actor.operatorId },
    kind: messageKindOf(reply.attachments ?? []),
    ...(reply.text ? { text: reply.text } : {}),
    ...(reply.attachments?.length ? { attachments: [...reply.attachments] } : {}),
    status: 'queued',
    createdAt: at,
    ...(reply.quote ? { quote: reply.quote } : {}),
  };
  return ticketChange(
    ticket,
    {
      ...ticket,
      lastMessageAt: at,
      lastMessagePreview: previewOf(reply.text ?? reply.attachments?.[0]?.name ?? ''),
      lastMessageFromOperator: true,
      messageCount: ticket.messageCount + 1,
    },
    [message],
  );
}

/** M6/T12: whoever may see the ticket marks its client messages read; nothing to do when none is unread. */
export function decideRead(actor: OperatorActor, ticket: Ticket): TicketChange | undefined {
  authorizeTicket(actor, 'ticket.markRead', ticket);
  if (ticket.unreadCount === 0) return undefined;
  return ticketChange(ticket, { ...ticket, unreadCount: 0 });
}

// How a ticket becomes a row of a ticket tab (L3): the one mapping the server's lists and the console's live updates
// share. Types only from entities, so a front end bundling it pulls in no zod.
import type { Ticket, TicketRow } from './entities';

/** The ticket fields a list row is made of; both the stored ticket and the protocol's ticket have them. */
export type TicketRowSource = Pick<
  Ticket,
  | 'ticketId'
  | 'number'
  | 'status'
  | 'clientId'
  | 'clientName'
  | 'channelId'
  | 'groupId'
  | 'assigneeId'
  | 'lastMessageAt'
  | 'lastMessagePreview'
  | 'lastMessageFromOperator'
  | 'unreadCount'
  | 'clientTicketCount'
  | 'sla'
>;

/** L3/S3: a ticket as a row; `sla` is `ok` while a clock runs unmarked, null without a clock. */
export function ticketRowOf(ticket: TicketRowSource): TicketRow {
  return {
    ticketId: ticket.ticketId,
    number: ticket.number,
    status: ticket.status,
    clientId: ticket.clientId,
    clientName: ticket.clientName,
    channelId: ticket.channelId,
    groupId: ticket.groupId,
    assigneeId: ticket.assigneeId ?? null,
    lastMessageAt: ticket.lastMessageAt,
    lastMessagePreview: ticket.lastMessagePreview,
    lastMessageFromOperator: ticket.lastMessageFromOperator,
    unreadCount: ticket.unreadCount,
    clientTicketCount: ticket.clientTicketCount ?? null,
    sla: ticket.sla ? (ticket.sla.mark ?? 'ok') : null,
    slaWarnAt: ticket.sla?.warnAt ?? null,
    slaDueAt: ticket.sla?.dueAt ?? null,
  };
}

// Operator reads of one ticket: the ticket with its client (C8 summary), its history (M5) and what changed since a
// sequence number (sync), each behind the same visibility rule (L1).
import type { OperatorActor } from './actors';
import { getClient } from './chat-clients';
import { keys } from './keys';
import { type HistoryEntry, historyPage, type Message, messagesAfter } from './messages';
import type { Page } from './pagination';
import { authorizeTicket } from './policy';
import type { Ticket } from './ticket-rules';
import { getOperatorCounters, getTicket, type OperatorCounters } from './tickets';

export async function viewTicket(actor: OperatorActor, ticketId: string) {
  const ticket = await getTicket(ticketId);
  authorizeTicket(actor, 'ticket.view', ticket);
  const client = await getClient(ticket.clientId);
  return { ticket, client };
}

export async function ticketHistory(
  actor: OperatorActor,
  ticketId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<HistoryEntry>> {
  const ticket = await getTicket(ticketId);
  authorizeTicket(actor, 'ticket.view', ticket);
  return historyPage(ticket.clientId, keys.ticketMessagesPrefix(ticket.number), { ...page, viewer: 'operator' });
}

/** Everything a front end missed on one ticket: the ticket as it is now and every message after `afterSeq`. */
export async function syncTicket(
  actor: OperatorActor,
  ticketId: string,
  afterSeq: number,
): Promise<{ ticket: Ticket; messages: Message[] }> {
  const ticket = await getTicket(ticketId);
  authorizeTicket(actor, 'ticket.view', ticket);
  if (afterSeq >= ticket.seq) return { ticket, messages: [] };
  return { ticket, messages: await messagesAfter(ticket.clientId, ticket.number, afterSeq) };
}

export function countersOf(actor: OperatorActor): Promise<OperatorCounters> {
  return getOperatorCounters(actor.operatorId);
}

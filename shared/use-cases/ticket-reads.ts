// Operator reads of one ticket: the ticket with its client (C8 summary), its history (M5) and what changed since a
// sequence number (sync), each behind the same visibility rule (L1).

import { withDownloadUrls } from '../channels/media';
import type { OperatorActor } from '../domain/actors';
import { authorizeTicket } from '../domain/policy';
import type { Ticket } from '../domain/ticket-rules';
import { getClient } from '../store/clients';
import { getDraft } from '../store/drafts';
import { keys } from '../store/keys';
import { type HistoryEntry, historyPage, type Message, messagesAfter } from '../store/messages';
import type { Page } from '../store/pagination';
import { getOperatorCounters, getTicket, type OperatorCounters } from '../store/tickets';

export async function viewTicket(actor: OperatorActor, ticketId: string) {
  const ticket = await getTicket(ticketId);
  authorizeTicket(actor, 'ticket.view', ticket);
  // M10: the caller's own draft comes with the ticket, read beside the client.
  const [client, draft] = await Promise.all([getClient(ticket.clientId), getDraft(actor.operatorId, ticketId)]);
  return { ticket, client, draft: draft ?? null };
}

export async function ticketHistory(
  actor: OperatorActor,
  ticketId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<HistoryEntry>> {
  const ticket = await getTicket(ticketId);
  authorizeTicket(actor, 'ticket.view', ticket);
  const history = await historyPage(ticket.clientId, keys.ticketMessagesPrefix(ticket.number), {
    ...page,
    viewer: 'operator',
  });
  return { ...history, items: await withDownloadUrls(history.items) };
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
  return { ticket, messages: await withDownloadUrls(await messagesAfter(ticket.clientId, ticket.number, afterSeq)) };
}

export function countersOf(actor: OperatorActor): Promise<OperatorCounters> {
  return getOperatorCounters(actor.operatorId);
}

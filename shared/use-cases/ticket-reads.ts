// Operator reads of one ticket: the ticket with its client (C8 summary), its history (M5) and what changed since a
// sequence number (sync), each behind the same visibility rule (L1).

import { withDownloadUrls } from '../channels/media';
import type { OperatorActor } from '../domain/actors';
import { authorizeTicket } from '../domain/policy';
import type { Ticket } from '../domain/ticket-rules';
import { getClient } from '../store/clients';
import { getDraft } from '../store/drafts';
import { keys } from '../store/keys';
import { changesAfter, type HistoryEntry, historyPage, type Message, SYNC_PAGE_BYTES } from '../store/messages';
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

/**
 * R2: everything a front end missed on one ticket — the ticket as it is now and every message or note that changed
 * after `afterSeq`, oldest first, whatever their timestamps. R5: a reply stays under 128 KB; when `more` is true,
 * ask again with `afterSeq` = the last message's `seq` (`nextAfterSeq`).
 */
export async function syncTicket(
  actor: OperatorActor,
  ticketId: string,
  afterSeq: number,
): Promise<{ ticket: Ticket; messages: Message[]; more: boolean; nextAfterSeq?: number }> {
  const ticket = await getTicket(ticketId);
  authorizeTicket(actor, 'ticket.view', ticket);
  if (afterSeq >= ticket.seq) return { ticket, messages: [], more: false };
  const page = await changesAfter(ticket.clientId, ticket.number, afterSeq);
  // Download links are added after the store cut its page by size, so the page is cut again with them (R5).
  const { messages, more } = fitPage(await withDownloadUrls(page.messages), page.more);
  const last = messages.at(-1);
  return { ticket, messages, more, ...(more && last ? { nextAfterSeq: last.seq } : {}) };
}

/** Keeps the longest prefix (at least one message) within SYNC_PAGE_BYTES of JSON; whatever is cut comes next page. */
function fitPage(messages: Message[], more: boolean): { messages: Message[]; more: boolean } {
  let bytes = 0;
  for (const [index, message] of messages.entries()) {
    bytes += Buffer.byteLength(JSON.stringify(message));
    if (index > 0 && bytes > SYNC_PAGE_BYTES) return { messages: messages.slice(0, index), more: true };
  }
  return { messages, more };
}

export function countersOf(actor: OperatorActor): Promise<OperatorCounters> {
  return getOperatorCounters(actor.operatorId);
}

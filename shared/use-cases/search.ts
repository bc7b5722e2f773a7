// Search (M8): messages by text and clients by name across what the searcher may see, and one client's whole history.
// A page reads at most 3× its size in items (postings and the tickets its hits are checked against); when that bound
// is reached first, the page is shorter and its cursor continues where the reading stopped.
import * as z from 'zod';
import type { OperatorActor } from '../domain/actors';
import { invalid } from '../domain/errors';
import { canSeeTicket, forbiddenBecause } from '../domain/policy';
import { type SearchScope, searcherScopesOf } from '../domain/search-scopes';
import { matchesTerm, type SearchTerm, searchTermOf, wordsOf } from '../domain/search-terms';
import type { Ticket } from '../domain/ticket-rules';
import { batchGet } from '../store/batch-get';
import { type ItemKey, keys, type SearchKind } from '../store/keys';
import { clientHistoryStretch } from '../store/messages';
import { cursorValue } from '../store/pagination';
import { type Posting, readBucket } from '../store/search-index';
import { parseTicketId, readClientHead, toTicket } from '../store/tickets';

/** The read bound of one page: items read (postings items and tickets) ≤ this × the page size. */
export const READS_PER_RESULT = 3;
/** Postings items per Query: small, so a page stops reading soon after it is full. */
const ITEMS_PER_QUERY = 2;

export interface TicketSummary {
  ticketId: string;
  number: number;
  status: Ticket['status'];
  clientId: string;
  clientName: string;
  groupId: string;
  assigneeId?: string;
  lastMessageAt: string;
}

export interface MessageHit {
  messageId: string;
  /** The indexed word that matched (folded). */
  word: string;
  ticket: TicketSummary;
}

export interface ClientHit {
  clientId: string;
  name: string;
  word: string;
  /** A ticket of the client the searcher may open. */
  ticket: TicketSummary;
}

export interface SearchPage<T> {
  items: T[];
  nextCursor?: string;
  /** Items this page read (postings items and tickets): at most 3 × limit. */
  itemsRead: number;
}

const cursorSchema = z.strictObject({
  q: z.string().max(100),
  s: z.number().int().min(0).max(1000),
  k: z.strictObject({ pk: z.string().max(400), sk: z.string().max(400) }).optional(),
  o: z.number().int().min(0).max(100_000),
});
type SearchCursor = z.output<typeof cursorSchema>;

function decodeSearchCursor(cursor: string | undefined, term: SearchTerm): SearchCursor {
  if (cursor === undefined) return { q: term.prefix, s: 0, o: 0 };
  const notThisSearch = () => invalid('The cursor is not one this search returned.');
  const result = cursorSchema.safeParse(cursorValue(cursor, notThisSearch));
  if (!result.success || result.data.q !== term.prefix) throw notThisSearch();
  return result.data;
}

const encodeSearchCursor = (cursor: SearchCursor) => Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');

function summaryOf(ticket: Ticket): TicketSummary {
  return {
    ticketId: ticket.ticketId,
    number: ticket.number,
    status: ticket.status,
    clientId: ticket.clientId,
    clientName: ticket.clientName,
    groupId: ticket.groupId,
    ...(ticket.assigneeId ? { assigneeId: ticket.assigneeId } : {}),
    lastMessageAt: ticket.lastMessageAt,
  };
}

const ticketKeyOf = (ticketId: string): ItemKey => {
  const { clientId, number } = parseTicketId(ticketId);
  return keys.ticket(clientId, number);
};

/**
 * Reads the hits' tickets not read yet in one BatchGet, as many as `affordable` reads allow, into `tickets` (null for
 * one that no longer exists). Answers the reads spent.
 */
async function checkTickets(ticketIds: string[], tickets: Map<string, Ticket | null>, affordable: number) {
  const unread = [...new Set(ticketIds)].filter((id) => !tickets.has(id)).slice(0, Math.max(0, affordable));
  if (unread.length === 0) return 0;
  const found = await batchGet(unread.map(ticketKeyOf));
  for (const id of unread) tickets.set(id, null);
  for (const item of found) tickets.set(item.ticketId as string, toTicket(item));
  return unread.length;
}

interface ScanRequest<T> {
  actor: OperatorActor;
  kind: SearchKind;
  scopes: readonly SearchScope[];
  term: SearchTerm;
  limit: number;
  cursor: string | undefined;
  /** Reads already spent by the caller on this page (e.g. the client check). */
  spent?: number;
  /** A visible hit → the result, or undefined to drop it (e.g. a duplicate). */
  toResult: (posting: Posting, ticket: Ticket) => T | undefined;
}

/**
 * Walks the searcher's scopes in order, bucket items newest first, keeping hits whose ticket the searcher may see
 * now (X1). Stops when the page is full or the read budget is spent, with a cursor at the exact posting to resume.
 */
async function scanPostings<T>(request: ScanRequest<T>): Promise<SearchPage<T>> {
  const { actor, kind, scopes, term, limit } = request;
  const budget = READS_PER_RESULT * limit;
  let reads = request.spent ?? 0;
  const results: T[] = [];
  const tickets = new Map<string, Ticket | null>();
  let position = decodeSearchCursor(request.cursor, term);
  const page = (next: SearchCursor | undefined): SearchPage<T> => ({
    items: results,
    ...(next ? { nextCursor: encodeSearchCursor(next) } : {}),
    itemsRead: reads,
  });

  while (position.s < scopes.length) {
    const scope = scopes[position.s] as SearchScope;
    if (results.length >= limit || reads >= budget) return page(position);
    const read = await readBucket(kind, scope, term.bucket, {
      startKey: position.k,
      limit: Math.min(ITEMS_PER_QUERY, budget - reads),
    });
    reads += read.items.length;
    for (const item of read.items) {
      const hits = item.postings
        .map((posting, index) => ({ posting, index }))
        .filter(({ posting, index }) => index >= position.o && matchesTerm(posting.word, term));
      reads += await checkTickets(
        hits.map(({ posting }) => posting.ticketId),
        tickets,
        budget - reads,
      );
      for (const { posting, index } of hits) {
        if (results.length >= limit || !tickets.has(posting.ticketId)) {
          return page({ ...position, o: index });
        }
        const ticket = tickets.get(posting.ticketId);
        if (!ticket || !canSeeTicket(actor, ticket)) continue;
        const result = request.toResult(posting, ticket);
        if (result !== undefined) results.push(result);
      }
      position = { ...position, k: item.key, o: 0 };
    }
    if (!read.lastKey) position = { q: term.prefix, s: position.s + 1, o: 0 };
  }
  return page(undefined);
}

export interface SearchRequest {
  query: string;
  limit: number;
  cursor?: string | undefined;
}

function messageHits() {
  const seen = new Set<string>();
  return (posting: Posting, ticket: Ticket): MessageHit | undefined => {
    if (!posting.messageId || seen.has(posting.messageId)) return undefined;
    seen.add(posting.messageId);
    return { messageId: posting.messageId, word: posting.word, ticket: summaryOf(ticket) };
  };
}

/** M8: messages whose text has a word starting with the query, among tickets the searcher may see. */
export function searchMessages(actor: OperatorActor, request: SearchRequest): Promise<SearchPage<MessageHit>> {
  return scanPostings({
    actor,
    kind: 'm',
    scopes: searcherScopesOf(actor),
    term: searchTermOf(request.query),
    limit: request.limit,
    cursor: request.cursor,
    toResult: messageHits(),
  });
}

/** M8: clients whose name has a word starting with the query, found through a ticket the searcher may see. */
export function searchClients(actor: OperatorActor, request: SearchRequest): Promise<SearchPage<ClientHit>> {
  const seen = new Set<string>();
  return scanPostings({
    actor,
    kind: 'c',
    scopes: searcherScopesOf(actor),
    term: searchTermOf(request.query),
    limit: request.limit,
    cursor: request.cursor,
    toResult: (posting, ticket) => {
      if (seen.has(ticket.clientId)) return undefined;
      seen.add(ticket.clientId);
      return {
        clientId: ticket.clientId,
        name: posting.name ?? ticket.clientName,
        word: posting.word,
        ticket: summaryOf(ticket),
      };
    },
  });
}

/** A client-history Query reads this many messages at most, so a page stops reading soon after it is full. */
const MESSAGES_PER_QUERY = 10;

/**
 * M8: one client's whole history. The searcher must see the client (one of its tickets); each hit is still checked
 * against its own ticket, so an operator finds what it may open with `history`. A client's history is small and lives
 * in one partition, so it is read directly, newest first, and matched word by word here: the index keeps no copy of
 * it. The read bound holds as for the index: a page reads at most 3× its size in items (the client check, messages
 * and tickets; at least 4, so a page of one still moves on), and when that comes first the page is shorter and its
 * cursor continues after the last message read.
 */
export async function searchClientHistory(
  actor: OperatorActor,
  clientId: string,
  request: SearchRequest,
): Promise<SearchPage<MessageHit>> {
  const term = searchTermOf(request.query);
  const head = await readClientHead(clientId);
  const latest = head.latest;
  if (!head.client || !latest || !canSeeTicket(actor, latest)) {
    throw forbiddenBecause('not_visible', 'This client is not visible to you.');
  }
  const { limit } = request;
  // The client check read 2 items; a page always affords one message and its ticket after it.
  let reads = 2;
  const budget = Math.max(READS_PER_RESULT * limit, reads + 2);
  let position = decodeSearchCursor(request.cursor, term);
  const results: MessageHit[] = [];
  const tickets = new Map<string, Ticket | null>([[latest.ticketId, latest]]);
  const page = (next: SearchCursor | undefined): SearchPage<MessageHit> => ({
    items: results,
    ...(next ? { nextCursor: encodeSearchCursor(next) } : {}),
    itemsRead: reads,
  });
  for (;;) {
    if (results.length >= limit || budget - reads < 2) return page(position);
    // Half of what is left: every message read may need its ticket read too.
    const stretch = await clientHistoryStretch(clientId, {
      startKey: position.k,
      limit: Math.min(MESSAGES_PER_QUERY, Math.floor((budget - reads) / 2)),
    });
    reads += stretch.messages.length;
    const hits = stretch.messages.flatMap((message) => {
      const word =
        message.kind === 'system' ? undefined : wordsOf(message.text ?? '').find((w) => matchesTerm(w, term));
      return word ? [{ message, word }] : [];
    });
    reads += await checkTickets(
      hits.map(({ message }) => message.ticketId),
      tickets,
      budget - reads,
    );
    for (const message of stretch.messages) {
      const hit = hits.find((candidate) => candidate.message === message);
      if (hit) {
        if (results.length >= limit || !tickets.has(message.ticketId)) return page(position);
        const ticket = tickets.get(message.ticketId);
        if (ticket && canSeeTicket(actor, ticket)) {
          results.push({ messageId: message.messageId, word: hit.word, ticket: summaryOf(ticket) });
        }
      }
      position = { q: term.prefix, s: 0, k: keys.message(clientId, message.ticketNumber, message.messageId), o: 0 };
    }
    if (!stretch.lastKey) return page(undefined);
  }
}

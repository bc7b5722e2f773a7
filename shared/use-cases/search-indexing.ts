// The search index output of the change projector (M8): message texts and client names become postings, grouped per
// bucket and scope for the whole batch, so a busy batch costs a fraction of a write unit per message. It runs off the
// ingest path: a message is searchable once its stream batch is projected.

import { messageScopesOf, type SearchScope, ticketScopeOf } from '../domain/search-scopes';
import { bucketOf, wordsOf } from '../domain/search-terms';
import type { Ticket } from '../domain/ticket-rules';
import { batchGet } from '../store/batch-get';
import type { Change } from '../store/change-stream';
import { keys, type SearchKind } from '../store/keys';
import { type Message, ticketMessages } from '../store/messages';
import { type Posting, type PostingsItem, writePostings } from '../store/search-index';
import { parseTicketId, readClientHead, toTicket } from '../store/tickets';
import type { ChangeOutput, ProjectionBatch } from './change-projector';

export interface IndexingResult {
  messages: number;
  /** Tickets whose messages were filed again under the scope they moved to. */
  refiled: number;
  clientNames: number;
  postings: number;
  items: number;
}

/** Messages written by people (client, operator, bot) are searchable; timeline notes are not. */
const indexable = (message: Message | undefined): message is Message =>
  !!message && message.kind !== 'system' && !!message.text;

/**
 * The ticket as it was when the message was written: its image at that `seq` in this batch (the ingest transaction
 * writes both), else the nearest earlier image, else the ticket as it is now.
 */
async function ticketsForMessages(messages: Message[], changes: readonly Change[]): Promise<Map<string, Ticket>> {
  const images = new Map<string, Ticket[]>();
  for (const change of changes) {
    if (change.entity !== 'ticket' || !change.after) continue;
    images.set(change.after.ticketId, [...(images.get(change.after.ticketId) ?? []), change.after]);
  }
  const found = new Map<string, Ticket>();
  const missing = new Set<string>();
  for (const message of messages) {
    const candidates = (images.get(message.ticketId) ?? []).filter((ticket) => ticket.seq <= message.seq);
    const best = candidates.sort((a, b) => b.seq - a.seq)[0];
    if (best) found.set(`${message.ticketId}@${message.seq}`, best);
    else missing.add(message.ticketId);
  }
  const current = await batchGet(
    [...missing].map((ticketId) => {
      const { clientId, number } = parseTicketId(ticketId);
      return keys.ticket(clientId, number);
    }),
  );
  for (const item of current) {
    const ticket = toTicket(item);
    for (const message of messages) {
      if (message.ticketId === ticket.ticketId && !found.has(`${message.ticketId}@${message.seq}`)) {
        found.set(`${message.ticketId}@${message.seq}`, ticket);
      }
    }
  }
  return found;
}

class PostingsCollector {
  private readonly groups = new Map<string, PostingsItem>();

  constructor(private readonly batch: ProjectionBatch) {}

  add(kind: SearchKind, scopes: readonly SearchScope[], words: readonly string[], posting: Omit<Posting, 'word'>) {
    for (const scope of scopes) {
      for (const word of words) {
        const bucket = bucketOf(word);
        const id = `${kind}\u0000${scope}\u0000${bucket}`;
        let item = this.groups.get(id);
        if (!item) {
          item = { kind, scope, bucket, writtenAt: this.batch.at, batchId: this.batch.batchId, postings: [] };
          this.groups.set(id, item);
        }
        item.postings.push({ word, ...posting });
      }
    }
  }

  get items(): PostingsItem[] {
    return [...this.groups.values()];
  }
}

export async function indexBatch(batch: ProjectionBatch): Promise<IndexingResult> {
  const messages = batch.changes.flatMap((change) =>
    change.entity === 'message' && change.kind === 'insert' && indexable(change.after) ? [change.after] : [],
  );
  const tickets = await ticketsForMessages(messages, batch.changes);
  const collector = new PostingsCollector(batch);
  let indexedMessages = 0;
  for (const message of messages) {
    const ticket = tickets.get(`${message.ticketId}@${message.seq}`);
    const words = wordsOf(message.text ?? '');
    if (!ticket || words.length === 0) continue;
    collector.add('m', messageScopesOf(ticket), words, { ticketId: message.ticketId, messageId: message.messageId });
    indexedMessages++;
  }
  let clientNames = 0;
  const moved = new Map<string, Ticket>();
  for (const change of batch.changes) {
    if (change.entity !== 'ticket' || !change.after) continue;
    const { before, after } = change;
    const isNew = change.kind === 'insert' || !before;
    const hasMoved = !isNew && ticketScopeOf(before) !== ticketScopeOf(after);
    if (hasMoved) moved.set(after.ticketId, after);
    // A new ticket files its client's name; a ticket that changes hands files it where its new readers look.
    const scopes = isNew ? messageScopesOf(after) : hasMoved ? [ticketScopeOf(after)] : [];
    const words = wordsOf(after.clientName ?? '');
    if (scopes.length === 0 || words.length === 0) continue;
    collector.add('c', scopes, words, { ticketId: after.ticketId, name: after.clientName });
    clientNames++;
  }
  // C1: a renamed client is filed again under its new name, where its latest ticket's readers look.
  for (const change of batch.changes) {
    if (change.entity !== 'client' || !change.before || !change.after) continue;
    if (change.before.name === change.after.name) continue;
    const words = wordsOf(change.after.name);
    const { latest } = await readClientHead(change.after.clientId);
    if (!latest || words.length === 0) continue;
    collector.add('c', messageScopesOf(latest), words, { ticketId: latest.ticketId, name: change.after.name });
    clientNames++;
  }
  // A ticket that changed hands (taken, assigned, transferred, returned) has its messages filed again under its new
  // scope, so its new readers find them in their own scopes; the old postings stay and are filtered at read time.
  const newInBatch = new Set(messages.map((message) => message.messageId));
  for (const ticket of moved.values()) {
    const history = await ticketMessages(ticket.clientId, ticket.number);
    for (const message of history) {
      if (!indexable(message) || newInBatch.has(message.messageId)) continue;
      collector.add('m', [ticketScopeOf(ticket)], wordsOf(message.text ?? ''), {
        ticketId: ticket.ticketId,
        messageId: message.messageId,
      });
    }
  }
  const items = collector.items;
  const written = await writePostings(items);
  return {
    messages: indexedMessages,
    refiled: moved.size,
    clientNames,
    postings: items.reduce((sum, item) => sum + item.postings.length, 0),
    items: written,
  };
}

export const searchIndexOutput: ChangeOutput = { name: 'search-index', project: indexBatch };

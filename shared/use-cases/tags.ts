// Message tags (M7): tag selected messages of a ticket with an existing tag or a new one (which joins the tag list),
// the tag list with exact counts, and messages by tag newest first within what the caller may see (X1). Tags are
// never renamed or deleted: there is no such action.
import type * as z from 'zod';
import type { OperatorActor } from '../domain/actors';
import { invalid, notFound } from '../domain/errors';
import { authorizeTicket, canSeeTicket } from '../domain/policy';
import { tagDisplayName, tagKeyOf } from '../domain/tag-names';
import { ticketChange } from '../domain/ticket-change';
import type { Ticket } from '../domain/ticket-rules';
import { MAX_MESSAGES_PER_TAGGING, taggedMessagesSchema, tagListSchema, tagMessagesSchema } from '../protocol/actions';
import { pushToAudiences } from '../realtime/fanout';
import { ticketAudiences } from '../realtime/ticket-events';
import { batchGet } from '../store/batch-get';
import { keys } from '../store/keys';
import { type Message, toMessage } from '../store/messages';
import { encodeCursor, type Page } from '../store/pagination';
import {
  decodeTagCursor,
  getTag,
  MAX_TAGS_PER_MESSAGE,
  type Tag,
  taggedLinks,
  taggingSteps,
  tagsPage,
} from '../store/tags';
import { getTicket, toTicket } from '../store/tickets';
import { changeTicket } from './ticket-change';

export { MAX_MESSAGES_PER_TAGGING, taggedMessagesSchema, tagListSchema, tagMessagesSchema };

export interface TaggingResult {
  tag: Tag;
  /** Messages that carry the tag now and did not before. */
  tagged: string[];
  /** Messages that already carried it (nothing changed for them). */
  alreadyTagged: string[];
}

export async function tagMessages(
  actor: OperatorActor,
  input: z.output<typeof tagMessagesSchema>,
  now = new Date(),
): Promise<TaggingResult> {
  const tagKey = tagKeyOf(input.tag);
  const messageIds = [...new Set(input.messageIds)];
  // A tagging is a change of its ticket: the next `seq`, carried by the tagged messages, through the one commit path.
  const outcome = await changeTicket(async () => {
    const ticket = await getTicket(input.ticketId);
    authorizeTicket(actor, 'ticket.tag', ticket);
    const [items, existing] = await Promise.all([
      batchGet(messageIds.map((messageId) => keys.message(ticket.clientId, ticket.number, messageId))),
      getTag(tagKey),
    ]);
    // In the order they were selected (BatchGet answers in any order).
    const messages = items
      .map(toMessage)
      .sort((a, b) => messageIds.indexOf(a.messageId) - messageIds.indexOf(b.messageId));
    const missing = messageIds.filter((id) => !messages.some((message) => message.messageId === id));
    if (missing.length) throw notFound(`Not messages of this ticket: ${missing.join(', ')}.`);
    if (messages.some((message) => message.kind === 'system'))
      throw invalid('messageIds: system notes cannot be tagged');
    const carries = (message: Message) => tagKeysOf(message).includes(tagKey);
    const fresh = messages.filter((message) => !carries(message));
    const full = fresh.find((message) => tagKeysOf(message).length >= MAX_TAGS_PER_MESSAGE);
    if (full) throw invalid(`messageIds: message ${full.messageId} already has ${MAX_TAGS_PER_MESSAGE} tags`);
    // A new tag takes the spelling it is first written with; later ones join it whatever their case.
    const name = existing?.name ?? tagDisplayName(input.tag);
    const result = {
      ticket,
      seq: ticket.seq,
      tagged: fresh.map((message) => message.messageId),
      alreadyTagged: messages.filter(carries).map((message) => message.messageId),
    };
    if (!fresh.length) return { result };
    const change = ticketChange(ticket, ticket);
    const guards = taggingSteps(tagKey, name, fresh, actor.operatorId, now, change.after.seq);
    return {
      change,
      extras: { guards },
      silent: true,
      result: { ...result, ticket: change.after, seq: change.after.seq },
    };
  });
  const tagNow = (await getTag(tagKey)) as Tag;
  const { ticket, seq, ...tagged } = outcome;
  if (tagged.tagged.length) {
    await pushToAudiences(ticketAudiences(ticket), {
      type: 'event',
      event: 'message.tagged',
      data: { ticketId: ticket.ticketId, seq, messageIds: tagged.tagged, tag: tagNow.name },
    });
  }
  return { tag: tagNow, ...tagged };
}

const tagKeysOf = (message: Message) => (message.tags ?? []).map(tagKeyOf);

/** M7: every tag with its exact count; tags exist for every operator. */
export function listTags(_actor: OperatorActor, input: z.output<typeof tagListSchema>): Promise<Page<Tag>> {
  return tagsPage({ limit: input.limit, ...(input.cursor ? { cursor: input.cursor } : {}) });
}

/** Link windows read per page at most: a page reads at most this many × (limit + 1) links, and their items. */
const MAX_WINDOWS = 4;

export interface TaggedMessage {
  message: Message;
  ticket: Pick<Ticket, 'ticketId' | 'number' | 'clientId' | 'clientName' | 'status' | 'channelId'>;
}

/**
 * M7/X1: messages carrying a tag, newest first, only on tickets the caller may see now. Each window is one Query of
 * links and one BatchGet of their tickets and messages; invisible ones are skipped, so a page may read up to
 * MAX_WINDOWS windows and then come back short with a cursor to continue.
 */
export async function taggedMessages(
  actor: OperatorActor,
  input: z.output<typeof taggedMessagesSchema>,
): Promise<Page<TaggedMessage>> {
  const tagKey = tagKeyOf(input.tag);
  let after = decodeTagCursor(tagKey, input.cursor);
  const found: TaggedMessage[] = [];
  for (let window = 1; window <= MAX_WINDOWS; window++) {
    const { links, lastKey } = await taggedLinks(tagKey, after, input.limit + 1 - found.length);
    const items = await batchGet([
      ...new Map(links.map((link) => [link.ticketId, keys.ticket(link.clientId, link.ticketNumber)])).values(),
      ...links.map((link) => keys.message(link.clientId, link.ticketNumber, link.messageId)),
    ]);
    const tickets = new Map(
      items.filter((item) => item.type === 'ticket').map((item) => [item.ticketId as string, toTicket(item)]),
    );
    const messages = new Map(
      items.filter((item) => item.type === 'message').map((item) => [item.messageId as string, toMessage(item)]),
    );
    for (const link of links) {
      const ticket = tickets.get(link.ticketId);
      const message = messages.get(link.messageId);
      if (!ticket || !message || !canSeeTicket(actor, ticket)) continue;
      found.push({ message, ticket: ticketSummary(ticket) });
      if (found.length > input.limit) {
        // One more than the page is visible: the page ends at the one before it.
        const last = found[input.limit - 1] as TaggedMessage;
        const page = found.slice(0, input.limit);
        return {
          items: page,
          nextCursor: encodeCursor({ ...keys.taggedMessage(tagKey, last.message.messageId) }) as string,
        };
      }
    }
    if (!lastKey) return { items: found };
    after = lastKey;
  }
  // Stopped short after MAX_WINDOWS: hand back what was found and where reading stopped.
  return { items: found, nextCursor: encodeCursor(after) as string };
}

function ticketSummary(ticket: Ticket): TaggedMessage['ticket'] {
  return {
    ticketId: ticket.ticketId,
    number: ticket.number,
    clientId: ticket.clientId,
    clientName: ticket.clientName,
    status: ticket.status,
    channelId: ticket.channelId,
  };
}

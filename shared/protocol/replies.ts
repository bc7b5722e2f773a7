// What each WebSocket action answers (R1): the `data` of its `{type:'reply', ok:true}` frame, by action name. The HTTP
// routes that run the same actions answer the same bodies. Browser-safe: zod only.
import * as z from 'zod';
import type { ActionName } from './actions';
import {
  blacklistedClientRow,
  category,
  client,
  clientNote,
  clientProfile,
  clientTicketRow,
  counters,
  draft,
  favourite,
  historyEntry,
  message,
  pageOf,
  quickReply,
  tag,
  teamMember,
  ticket,
  ticketRow,
  ticketSummary,
  uploadSlot,
  visitorMessage,
} from './entities';

/** C5, C6: what a mark on a client answers: the client and, when it has one, its latest ticket (with its new note). */
const clientMark = z.object({ client, ticket: ticket.optional() });
/** M8: a search page also says how many items it read (postings and tickets). */
const searchPage = <T extends z.ZodType>(item: T) => pageOf(item).extend({ itemsRead: z.number().int() });

export const operatorActionReplies = {
  list: pageOf(z.union([ticketRow, blacklistedClientRow])),
  'ticket.get': z.object({ ticket, client, draft: draft.nullable() }),
  history: pageOf(historyEntry),
  sync: z.object({
    ticket,
    messages: z.array(message),
    more: z.boolean(),
    nextAfterSeq: z.number().int().optional(),
  }),
  take: ticket,
  assign: ticket,
  transfer: ticket,
  unassign: ticket,
  close: ticket,
  setCategory: ticket,
  start: ticket,
  'start.phone': z.object({ ticket, message }),
  'message.send': message,
  'ticket.transcript': z.object({ sent: z.literal(true), to: z.string(), messages: z.number().int() }),
  'upload.create': uploadSlot,
  markRead: ticket,
  typing: z.object({ ok: z.literal(true) }),
  'client.blacklist': clientMark,
  'client.unblock': clientMark,
  'client.pin': clientMark,
  'client.unpin': clientMark,
  search: z.union([
    searchPage(z.object({ messageId: z.string(), word: z.string(), ticket: ticketSummary })),
    searchPage(z.object({ clientId: z.string(), name: z.string(), word: z.string(), ticket: ticketSummary })),
  ]),
  'client.search': searchPage(z.object({ messageId: z.string(), word: z.string(), ticket: ticketSummary })),
  'client.get': z.object({
    client: clientProfile,
    latestTicketId: z.string().nullable(),
    watched: z.boolean(),
  }),
  'client.update': clientProfile,
  'client.watch': z.object({ clientId: z.string(), watched: z.literal(true) }),
  'client.unwatch': z.object({ clientId: z.string(), watched: z.literal(false) }),
  favourites: z.object({ items: z.array(favourite) }),
  'client.tickets': pageOf(clientTicketRow),
  'client.notes': pageOf(clientNote),
  'note.add': clientNote,
  'note.edit': clientNote,
  'note.delete': z.object({ deleted: z.string() }),
  'template.create': quickReply,
  'template.update': quickReply,
  'template.delete': z.object({ deleted: z.string() }),
  'template.lookup': z.object({ items: z.array(quickReply) }),
  'template.render': z.object({ templateId: z.string(), ticketId: z.string(), text: z.string() }),
  tag: z.object({ tag, tagged: z.array(z.string()), alreadyTagged: z.array(z.string()) }),
  tags: pageOf(tag),
  'tag.messages': pageOf(z.object({ message, ticket: ticketSummary })),
  'draft.save': draft.nullable(),
  'draft.get': draft.nullable(),
  'draft.clear': z.object({ cleared: z.string() }),
  counters,
  categories: z.object({ items: z.array(category) }),
  'operators.list': pageOf(teamMember),
} as const;

export const visitorActionReplies = {
  /** The message as the visitor sees it; `{duplicate:true}` when the same message was already stored. */
  'chat.send': z.union([visitorMessage, z.object({ duplicate: z.literal(true) })]),
  'chat.upload': uploadSlot,
  'chat.history': pageOf(visitorMessage),
  'chat.typing': z.object({ typing: z.boolean(), coalesced: z.literal(true).optional() }),
  'chat.end': z.object({ ended: z.literal(true) }),
} as const;

const operatorActor = z.object({
  kind: z.literal('operator'),
  operatorId: z.string(),
  role: z.enum(['operator', 'supervisor', 'admin']),
  groupIds: z.array(z.string()),
});
const visitorActor = z.object({ kind: z.literal('visitor'), clientId: z.string(), channelId: z.string() });

export const connectionActionReplies = {
  whoami: z.object({ principal: z.string(), actor: z.union([operatorActor, visitorActor]) }),
  ping: z.object({
    pong: z.literal(true),
    connectionId: z.string(),
    principal: z.string(),
    connectedAt: z.string(),
    serverTime: z.string(),
  }),
} as const;

export const actionReplies = {
  ...operatorActionReplies,
  ...visitorActionReplies,
  ...connectionActionReplies,
} as const satisfies Record<ActionName, z.ZodType>;

/** The `data` an action's successful reply carries. */
export type ActionReply<A extends ActionName> = z.output<(typeof actionReplies)[A]>;

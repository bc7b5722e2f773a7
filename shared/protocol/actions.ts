// Every WebSocket action's input (R1), operator and visitor, defined once: the handlers validate frames with these
// schemas and front ends import them (with their types) to build frames. Browser-safe: zod and pure rules only.
import * as z from 'zod';
import { COMMAND_PATTERN, normalizeCommand } from '../domain/template-variables';
import {
  clientId,
  cursor,
  DEFAULT_PAGE_SIZE,
  groupId,
  MAX_PAGE_SIZE,
  messageId,
  operatorId,
  pageLimit,
  pageOf,
  templateId,
  ticketId,
  uploadKey,
} from './fields';

// ---- Ticket lists (L1–L3) ----

export const LIST_TABS = ['unassigned', 'mine', 'closed', 'all', 'blacklist'] as const;
export type ListTab = (typeof LIST_TABS)[number];
export const TICKET_STATUSES = ['unassigned', 'in_progress', 'closed'] as const;
export const DEFAULT_LIST_PAGE_SIZE = DEFAULT_PAGE_SIZE;

/** One schema for every adapter (WebSocket frame, HTTP query string), so a list request is validated the same way. */
export const listQuerySchema = z.strictObject({
  tab: z.enum(LIST_TABS),
  groupId: z.string().min(1).max(128).optional(),
  status: z.enum(TICKET_STATUSES).optional(),
  operatorId: z.string().min(1).max(128).optional(),
  limit: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`)
    .default(DEFAULT_LIST_PAGE_SIZE),
  // A staff view's cursor is one position and a bit per partition; a page merge's one position per partition (two at
  // most). A position is a sort key (at most 1024 bytes), so a real cursor stays well under this.
  cursor: z.string().min(1).max(4096).optional(),
});

// ---- Attachments (A1) and transcripts (M9) ----

/** A1: what an upload slot is asked for; the file's type and size are checked again when it is sent. */
export const uploadRequest = {
  fileName: z.string().min(1, 'must name a file').max(1000, 'is far longer than 255 characters'),
  contentType: z.string().min(3).max(255),
  /** The file's size in bytes; the upload may not be larger. */
  size: z.coerce.number().int('must be a whole number of bytes').min(1, 'must be at least 1 byte'),
};

/** Header-safe: no line breaks or other control characters (a subject is one header line). */
const headerText = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(200, 'must be at most 200 characters')
  .refine((value) => !/\p{Cc}/u.test(value), 'must be one line without control characters');

export const transcriptInput = {
  to: z.string().trim().max(254).pipe(z.email('must be an e-mail address')),
  subject: headerText,
  /** Selected messages; the whole ticket when absent. */
  messageIds: z.array(messageId).min(1).max(1000).optional(),
};

// ---- Clients (C1, C4, C7, C8) ----

/** C7: CRM attributes stay small enough to travel with every profile read. */
export const MAX_CLIENT_ATTRIBUTES = 30;

const attributeKey = z
  .string()
  .regex(/^[\p{L}\p{N}_.-]{1,40}$/u, 'attribute names are 1–40 letters, digits, "_", "." or "-"');
const attributes = z
  .record(attributeKey, z.string().max(500, 'attribute values are at most 500 characters'))
  .refine(
    (value) => Object.keys(value).length <= MAX_CLIENT_ATTRIBUTES,
    `must have at most ${MAX_CLIENT_ATTRIBUTES} attributes`,
  );

export const clientUpdateSchema = z
  .strictObject({
    clientId,
    name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').optional(),
    vip: z.boolean().optional(),
    bad: z.boolean().optional(),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9][0-9 ()-]{2,31}$/, 'must be a phone number such as +44 20 7946 0000')
      .nullable()
      .optional(),
    email: z.email('must be an e-mail address').max(254).nullable().optional(),
    attributes: attributes.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 1, 'send at least one of name, vip, bad, phone, email, attributes');

export const clientPageSchema = z.strictObject({ clientId, ...pageOf });

export const MAX_NOTE_TEXT = 2000;
const noteId = z.string().min(1).max(100);
const noteText = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_NOTE_TEXT, `must be at most ${MAX_NOTE_TEXT} characters`);

export const noteAddSchema = z.strictObject({ clientId, text: noteText });
export const noteEditSchema = z.strictObject({ clientId, noteId, text: noteText });
export const noteDeleteSchema = z.strictObject({ clientId, noteId });

// ---- Drafts (M10) ----

/** A draft is a reply in the making: the same 2000 characters as a message (M4). */
export const MAX_DRAFT_TEXT = 2000;

export const draftSaveSchema = z.strictObject({
  ticketId,
  text: z.string().max(MAX_DRAFT_TEXT, `must be at most ${MAX_DRAFT_TEXT} characters`),
});

// ---- Tags (M7) ----

/** One tagging touches two items per message plus the tag and its ticket's change: 25 stay inside a transaction. */
export const MAX_MESSAGES_PER_TAGGING = 25;

const tag = z.string().max(200, 'must be at most 50 characters');

export const tagMessagesSchema = z.strictObject({
  ticketId,
  messageIds: z
    .array(messageId)
    .min(1, 'select at least one message')
    .max(MAX_MESSAGES_PER_TAGGING, `select at most ${MAX_MESSAGES_PER_TAGGING} messages`),
  tag,
});
export const tagListSchema = z.strictObject(pageOf);
export const taggedMessagesSchema = z.strictObject({ tag, ...pageOf });

// ---- Quick replies (Q1–Q4) ----

/** Q1: at most 2000 characters of text, like a message. */
export const MAX_TEMPLATE_TEXT = 2000;

const command = z
  .string()
  .max(40, 'must be at most 32 characters')
  .transform(normalizeCommand)
  .refine((value) => COMMAND_PATTERN.test(value), 'must be 1–32 letters, digits, "_" or "-" (typed after "/")');
const templateText = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_TEMPLATE_TEXT, `must be at most ${MAX_TEMPLATE_TEXT} characters`);
const language = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z]{2,3}(-[a-z0-9]{2,8})?$/, 'must be a language code such as "en" or "ru"');
const title = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');
const category = z.string().trim().min(1, 'must not be empty').max(50, 'must be at most 50 characters');

export const templateCreateSchema = z.strictObject({
  scope: z.enum(['personal', 'global']).default('personal'),
  title,
  category: category.optional(),
  command,
  language: language.default('en'),
  text: templateText,
});

export const templateUpdateSchema = z
  .strictObject({
    templateId,
    title: title.optional(),
    category: category.nullable().optional(),
    command: command.optional(),
    language: language.optional(),
    text: templateText.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 1, 'send at least one of title, category, command, language, text');

export const templateLookupSchema = z.strictObject({
  // As typed, "/" or "\" included; "" or "/" alone lists every command.
  command: z.string().max(40).optional(),
  text: z.string().trim().min(1).max(200).optional(),
  category: z.string().trim().min(1).max(50).optional(),
  language: language.optional(),
  limit: z.coerce.number().int('must be a whole number').min(1).max(100).default(20),
});

// ---- The operator actions ----

const onTicket = z.strictObject({ ticketId });
// M8: the query's length rule (3 letters of one word) is checked after folding, with its own reason code.
const searchQuery = z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

/** Every operator action's input, by action name (R1). The frame is `{action, requestId, ...input}`. */
export const operatorActionInputs = {
  list: listQuerySchema,
  'ticket.get': onTicket,
  history: z.strictObject({ ticketId, ...pageOf }),
  sync: z.strictObject({ ticketId, afterSeq: z.coerce.number().int().min(0) }),
  take: onTicket,
  assign: z.strictObject({ ticketId, operatorId }),
  transfer: z.strictObject({ ticketId, groupId }),
  unassign: onTicket,
  close: onTicket,
  setCategory: z.strictObject({ ticketId, categoryId: z.string().min(1).max(100).nullable() }),
  start: z.strictObject({ clientId }),
  'start.phone': z.strictObject({
    channelId: z.string().min(1).max(100),
    phone: z.string().min(7).max(32),
    template: z.string().min(1).max(512),
    language: z.string().min(2).max(16).default('en'),
  }),
  'message.send': z.strictObject({
    ticketId,
    // The 2000-character rule (M4) is checked on the trimmed text with a readable message; this only bounds input.
    text: z.string().max(20_000, 'is far longer than 2000 characters').default(''),
    quoteMessageId: messageId.optional(),
    // The 10-file rule (M4) is checked with its own error code; this only bounds input.
    attachments: z.array(uploadKey).max(100, 'lists far more than 10 files').optional(),
  }),
  'ticket.transcript': z.strictObject({ ticketId, ...transcriptInput }),
  'upload.create': z.strictObject({ ticketId, ...uploadRequest }),
  markRead: onTicket,
  typing: z.strictObject({ ticketId, typing: z.boolean().default(true) }),
  'client.blacklist': z.strictObject({ clientId }),
  'client.unblock': z.strictObject({ clientId }),
  'client.pin': z.strictObject({ clientId, operatorId }),
  'client.unpin': z.strictObject({ clientId }),
  search: z.strictObject({ query: searchQuery, in: z.enum(['messages', 'clients']).default('messages'), ...pageOf }),
  'client.search': z.strictObject({ clientId, query: searchQuery, ...pageOf }),
  'client.get': z.strictObject({ clientId }),
  'client.update': clientUpdateSchema,
  'client.watch': z.strictObject({ clientId }),
  'client.unwatch': z.strictObject({ clientId }),
  favourites: z.strictObject({}),
  'client.tickets': clientPageSchema,
  'client.notes': clientPageSchema,
  'note.add': noteAddSchema,
  'note.edit': noteEditSchema,
  'note.delete': noteDeleteSchema,
  'template.create': templateCreateSchema,
  'template.update': templateUpdateSchema,
  'template.delete': z.strictObject({ templateId }),
  'template.lookup': templateLookupSchema,
  'template.render': z.strictObject({ templateId, ticketId }),
  tag: tagMessagesSchema,
  tags: tagListSchema,
  'tag.messages': taggedMessagesSchema,
  'draft.save': draftSaveSchema,
  'draft.get': onTicket,
  'draft.clear': onTicket,
  counters: z.strictObject({}),
  categories: z.strictObject({}),
  'operators.list': z.strictObject({ limit: pageLimit.default(MAX_PAGE_SIZE), cursor: cursor.optional() }),
} as const satisfies Record<string, z.ZodType>;

export type OperatorActionName = keyof typeof operatorActionInputs;
export const OPERATOR_ACTION_NAMES = Object.keys(operatorActionInputs) as OperatorActionName[];

// ---- Widget visitor actions (CH1 widget, C3, M11) ----

/** Every widget visitor action's input, by action name. */
export const visitorActionInputs = {
  'chat.send': z.strictObject({
    text: z.string().max(20_000, 'is far longer than 4096 characters').default(''),
    attachments: z.array(uploadKey).max(100, 'lists far more than 10 files').optional(),
  }),
  'chat.upload': z.strictObject(uploadRequest),
  'chat.history': z.strictObject({ limit: pageLimit.default(DEFAULT_PAGE_SIZE), cursor: cursor.optional() }),
  'chat.typing': z.strictObject({ typing: z.boolean().default(true) }),
  /** Ends the visitor's session: its token is revoked; the chat stays with the operators. */
  'chat.end': z.strictObject({}),
} as const satisfies Record<string, z.ZodType>;

export type VisitorActionName = keyof typeof visitorActionInputs;
export const VISITOR_ACTION_NAMES = Object.keys(visitorActionInputs) as VisitorActionName[];

// ---- Actions any connection may send ----

/** `whoami` and `ping` take no input; any principal may send them. */
export const connectionActionInputs = {
  whoami: z.object({}),
  ping: z.object({}),
} as const satisfies Record<string, z.ZodType>;

/** Every action a WebSocket frame may name. */
export const actionInputs = { ...operatorActionInputs, ...visitorActionInputs, ...connectionActionInputs };
export type ActionName = keyof typeof actionInputs;
/** What a caller passes to an action (defaults may be left out). */
export type ActionInput<A extends ActionName> = z.input<(typeof actionInputs)[A]>;
/** What the handler works with once the input is validated. */
export type ParsedActionInput<A extends ActionName> = z.output<(typeof actionInputs)[A]>;

/** What each action does, for the generated documents (README's action table says more). */
export const ACTION_SUMMARIES: Record<ActionName, string> = {
  list: 'L1–L3: a ticket tab (`unassigned`, `mine`, `closed`, `all`, `blacklist`), latest message first, in cursor pages.',
  'ticket.get': "The ticket, its client and the caller's draft (M10).",
  history: "The ticket's messages and timeline notes, newest first, with M5's grouping flag.",
  sync: 'R2: the ticket now and every message or note changed after `afterSeq`, oldest first, paged under 128 KB.',
  take: 'T4: take an unassigned ticket; concurrent takes: one wins, the rest get `conflict` naming the winner.',
  assign: 'T5: give the ticket to an operator (operators: only ones sharing a group).',
  transfer: "T6: move the ticket to another group's Unassigned.",
  unassign: 'T7: back to Unassigned, same group.',
  close: "T8: close the ticket; the client's next message opens a new one.",
  setCategory: "T2: set the ticket's category, or clear it with `null`.",
  start: 'T9: start an outbound dialog with a client whose latest ticket is closed.',
  'start.phone': 'CH4: start a WhatsApp dialog by phone number with an approved template.',
  'message.send': 'M2–M4: reply with text (≤ 2000 characters) and files (upload keys); delivered through the channel.',
  'ticket.transcript': 'M9: e-mail the ticket, or the selected messages, through SES.',
  'upload.create': 'A1: a presigned POST for one file, to send with `message.send`.',
  markRead: "M6: mark the client's messages read; unread counters follow.",
  typing: 'M11: tell the client (and colleagues) the operator is typing.',
  'client.blacklist': 'C6: blacklist the client: its messages are stored but not routed to operators.',
  'client.unblock': 'C6: lift the blacklist.',
  'client.pin': 'C5: pin the client to an operator; its new tickets go to that operator.',
  'client.unpin': 'C5: remove the pin.',
  search: 'M8: messages by text, or clients by name, among what the caller may see.',
  'client.search': "M8: search one client's whole history.",
  'client.get': 'C1/C7: the client profile, its latest ticket and whether the caller watches it.',
  'client.update': 'C1/C7: rename (the original name stays), VIP and BAD marks, phone, e-mail, attributes.',
  'client.watch': 'C9: add the client to the favourites; its tickets become visible (read only).',
  'client.unwatch': 'C9: remove the client from the favourites.',
  favourites: 'C9: the clients the caller watches.',
  'client.tickets': "C8: the client's tickets, newest first.",
  'client.notes': "C4: the client's notes, newest first.",
  'note.add': 'C4: add a note about the client (never shown to it).',
  'note.edit': "C4: edit one's own note.",
  'note.delete': "C4: delete one's own note.",
  'template.create': 'Q1/Q2: a personal quick reply, or a global one (admins).',
  'template.update': 'Q2: change a quick reply (personal ones by their owner, global ones by admins).',
  'template.delete': 'Q2: delete a quick reply.',
  'template.lookup': "Q4: quick replies by command prefix, text, category or language; the caller's first.",
  'template.render': "Q3: a quick reply's text with the ticket's client and operator filled in.",
  tag: 'M7: tag messages of a ticket (an existing tag or a new one).',
  tags: 'M7: every tag with its exact message count.',
  'tag.messages': 'M7: the messages carrying a tag, newest first, on tickets the caller may see.',
  'draft.save': "M10: save the caller's unsent reply for the ticket (blank clears it).",
  'draft.get': "M10: the caller's draft for the ticket, or null.",
  'draft.clear': "M10: forget the caller's draft.",
  counters: "T12: the caller's counters (in progress, unread tickets).",
  categories: 'T2: the configured ticket categories.',
  'operators.list':
    'O3/T5: the operators the caller may pick (supervisors and admins: every enabled one; operators: those of their groups), by name, with whether each is online.',
  'chat.send': 'CH1: the widget visitor writes (text and/or uploaded files).',
  'chat.upload': 'A1: a presigned POST for a file the visitor sends.',
  'chat.history': "The visitor's continuous chat, newest first, without system notes.",
  'chat.typing': 'M11: the visitor is typing.',
  'chat.end': "CH1: end the visitor's session; the chat stays with the operators.",
  whoami: 'Who the connection acts as: its principal and actor.',
  ping: 'Answered through the management API (the push path): the connection as the server knows it.',
};

// What replies and events carry — tickets, messages, clients, notes, templates, tags, drafts — as zod schemas with their
// TypeScript types. Objects are open: the fields named here are always there with these types, unnamed ones are
// dropped when parsing, so a later version may add fields without breaking a front end. Browser-safe: zod only.
import * as z from 'zod';

const iso = z.string().describe('an ISO 8601 time');

export const ticketStatus = z.enum(['unassigned', 'in_progress', 'closed']);
export type TicketStatus = z.infer<typeof ticketStatus>;
export const deliveryStatus = z.enum(['queued', 'sent', 'delivered', 'read', 'failed']);
export const slaMark = z.enum(['warning', 'breached']);

export const slaClock = z.object({
  since: iso,
  warnAt: iso.optional(),
  dueAt: iso,
  mark: slaMark.optional(),
});

/** A ticket (T1–T12, S1–S4) as operators see it; `seq` is bumped by every change (R2). */
export const ticket = z.object({
  ticketId: z.string(),
  number: z.number().int(),
  clientId: z.string(),
  clientName: z.string(),
  channelId: z.string(),
  status: ticketStatus,
  groupId: z.string(),
  assigneeId: z.string().optional(),
  categoryId: z.string().optional(),
  openedAt: iso,
  closedAt: iso.optional(),
  closedBy: z.string().optional(),
  statusChangedAt: iso,
  lastMessageAt: iso,
  lastMessagePreview: z.string(),
  lastMessageFromOperator: z.boolean(),
  unreadCount: z.number().int(),
  messageCount: z.number().int(),
  clientTicketCount: z.number().int().optional(),
  slaPolicy: z.object({ warningSeconds: z.number().optional(), deadlineSeconds: z.number() }).optional(),
  sla: slaClock.optional(),
  firstReplyAt: iso.optional(),
  watched: z.boolean().optional().meta({
    description:
      "C9: false while no operator has ever watched the client (its events then skip the watchers' read); a first watch turns it true with a ticket.updated. Absent counts as true.",
  }),
  seq: z.number().int(),
});
export type Ticket = z.infer<typeof ticket>;

export const author = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('client') }),
  z.object({ kind: z.literal('operator'), operatorId: z.string() }),
  z.object({ kind: z.literal('system'), operatorId: z.string().optional() }),
  z.object({ kind: z.literal('bot'), name: z.string() }),
]);

export const messageKind = z.enum([
  'text',
  'image',
  'video',
  'audio',
  'document',
  'location',
  'contact',
  'sticker',
  'reaction',
  'unsupported',
  'system',
]);

/** A stored file (A1); replies that offer it for download add a short-lived `url`. */
export const attachment = z.object({
  name: z.string(),
  mimeType: z.string(),
  size: z.number().int(),
  key: z.string(),
  width: z.number().optional(),
  height: z.number().optional(),
  url: z.string().optional(),
});
export type Attachment = z.infer<typeof attachment>;

export const systemNote = z.object({
  code: z.string(),
  text: z.string(),
  params: z.record(z.string(), z.string()),
});

/** A message or timeline note of a ticket (M1–M7, T10), as operators see it. */
export const message = z.object({
  messageId: z.string(),
  ticketId: z.string(),
  ticketNumber: z.number().int(),
  clientId: z.string(),
  author,
  kind: messageKind,
  text: z.string().optional(),
  attachments: z.array(attachment).optional(),
  skippedAttachments: z.array(z.object({ name: z.string(), reason: z.string() })).optional(),
  quote: z.object({ messageId: z.string(), preview: z.string() }).optional(),
  status: deliveryStatus.optional(),
  failureReason: z.string().optional(),
  tags: z.array(z.string()).optional(),
  note: systemNote.optional(),
  editedAt: iso.optional(),
  edits: z.array(z.object({ text: z.string(), replacedAt: iso })).optional(),
  createdAt: iso,
  seq: z.number().int(),
});
export type Message = z.infer<typeof message>;

/** A history entry: a message with M5's grouping flag. */
export const historyEntry = message.extend({ groupedWithPrevious: z.boolean() });

/** What a widget visitor sees of a message: no system notes, no internal fields. */
export const visitorMessage = z.object({
  messageId: z.string(),
  from: z.enum(['me', 'support']),
  kind: messageKind,
  text: z.string().optional(),
  attachments: z.array(attachment).optional(),
  createdAt: iso,
  status: deliveryStatus.optional(),
});

export const draft = z.object({ ticketId: z.string(), text: z.string(), updatedAt: iso });

/** A row of a ticket tab (L1–L3). */
export const ticketRow = z.object({
  ticketId: z.string(),
  number: z.number().int(),
  status: ticketStatus,
  clientId: z.string(),
  clientName: z.string(),
  channelId: z.string(),
  groupId: z.string(),
  assigneeId: z.string().nullable(),
  lastMessageAt: iso,
  lastMessagePreview: z.string(),
  lastMessageFromOperator: z.boolean(),
  unreadCount: z.number().int(),
  clientTicketCount: z.number().int().nullable(),
  sla: z.enum(['ok', 'warning', 'breached']).nullable(),
  slaWarnAt: iso.nullable(),
  slaDueAt: iso.nullable(),
  draft: draft.optional(),
});
export type TicketRow = z.infer<typeof ticketRow>;
/** S3/L3: a row's SLA state: `ok` while the client waits within its thresholds, then `warning`, then `breached`. */
export type SlaState = NonNullable<TicketRow['sla']>;

/** A row of the Blacklist tab: the client, not a ticket (C6). */
export const blacklistedClientRow = z.object({
  clientId: z.string(),
  name: z.string(),
  channelId: z.string(),
  clientType: z.string(),
  blacklistedAt: iso,
  blacklistedBy: z.string().nullable(),
});
export type BlacklistedClientRow = z.infer<typeof blacklistedClientRow>;

export const clientType = z.enum(['channel', 'crm', 'internal']);

/** The client as ticket changes keep it (C1, C5, C6, T12). */
export const client = z.object({
  clientId: z.string(),
  channelId: z.string(),
  type: clientType,
  originalName: z.string(),
  name: z.string(),
  createdAt: iso,
  pinnedTo: z.string().optional(),
  blacklisted: z.boolean().optional(),
  ticketCount: z.number().int(),
});
export type Client = z.infer<typeof client>;

/** The client's profile (C1, C7): marks, contacts and CRM attributes beside the client. */
export const clientProfile = client.extend({
  vip: z.boolean().optional(),
  bad: z.boolean().optional(),
  phone: z.string().optional(),
  email: z.string().optional(),
  attributes: z.record(z.string(), z.string()).optional(),
  updatedAt: iso.optional(),
});
export type ClientProfile = z.infer<typeof clientProfile>;

export const clientTicketRow = z.object({
  ticketId: z.string(),
  number: z.number().int(),
  status: ticketStatus,
  channelId: z.string(),
  openedAt: iso,
  closedAt: iso.nullable(),
  lastMessageAt: iso,
  assigneeId: z.string().nullable(),
  operatorName: z.string().nullable(),
  messageCount: z.number().int(),
});

export const clientNote = z.object({
  noteId: z.string(),
  clientId: z.string(),
  authorId: z.string(),
  text: z.string(),
  createdAt: iso,
  editedAt: iso.optional(),
});

export const favourite = z.object({ clientId: z.string(), name: z.string() });

export const quickReply = z.object({
  templateId: z.string(),
  scope: z.enum(['global', 'personal']),
  owner: z.string(),
  title: z.string(),
  category: z.string().optional(),
  command: z.string(),
  language: z.string(),
  text: z.string(),
  createdBy: z.string(),
  createdAt: iso,
  updatedAt: iso,
});

export const tag = z.object({ name: z.string(), count: z.number().int(), createdAt: iso, createdBy: z.string() });

export const counters = z.object({
  operatorId: z.string(),
  inProgress: z.number().int(),
  unreadTickets: z.number().int(),
});

/**
 * O3/T5: a colleague in the team directory. `groupIds` are the groups it shares with the caller (all of its groups for
 * supervisors and admins); `online` follows its live connections, and `operator.presence` events move it.
 */
export const teamMember = z.object({
  operatorId: z.string(),
  name: z.string(),
  role: z.enum(['operator', 'supervisor', 'admin']),
  groupIds: z.array(z.string()),
  online: z.boolean(),
});

export type TeamMember = z.infer<typeof teamMember>;

export const category = z.object({ categoryId: z.string(), name: z.string(), createdAt: iso, updatedAt: iso });

/** A1: a presigned POST for one file: post `fields` and then the file to `url` before `expiresAt`. */
export const uploadSlot = z.object({
  url: z.string(),
  fields: z.record(z.string(), z.string()),
  key: z.string(),
  expiresAt: iso,
  maxBytes: z.number().int(),
});

/** A ticket as a search hit or tagged message names it. */
export const ticketSummary = z.object({ ticketId: z.string() });

/** A page of items; `nextCursor` is there while more follow (pass it back as `cursor`). */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().optional() });

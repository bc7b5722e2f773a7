// Messages as plain data (M2, M3, T10): who wrote them, what they carry, the ticket sequence number each was written
// with, and time-ordered ids. Stored by store/messages.ts; decided by the ticket state machine.
import { randomBytes } from 'node:crypto';
import type { OperatorActor } from './actors';
import type { SystemNote, Ticket } from './ticket-rules';

export type Author =
  | { kind: 'client' }
  | { kind: 'operator'; operatorId: string }
  | { kind: 'system'; operatorId?: string }
  | { kind: 'bot'; name: string };

/** M1: what a message carries; channel content with no file of its own has a kind and a readable `text` (below). */
export type MessageKind =
  | 'text'
  | 'image'
  | 'video'
  | 'audio'
  | 'document'
  | 'location'
  | 'contact'
  | 'sticker'
  | 'reaction'
  | 'unsupported'
  | 'system';

/** The kinds whose content is a file (A1). */
export type MediaKind = 'image' | 'video' | 'audio' | 'document';

/** A place the client shared (`location`): `text` names it and carries `mapUrl`. */
export interface SharedLocation {
  latitude: number;
  longitude: number;
  name?: string;
  address?: string;
  mapUrl: string;
}

/** A contact card the client shared (`contact`): `text` lists it. */
export interface ContactCard {
  name: string;
  phones: string[];
  emails?: string[];
  organization?: string;
}

/**
 * Channel content beyond text and files (M1), as the client's message carries it. `text` always renders it for
 * operators who read text only: "📍 Office, Main St 1 — https://…", "👤 Ivan, +7…", the sticker's emoji, "Reacted 👍
 * to “…”", "The client sent a message of type poll that this channel cannot show."
 */
export interface MessageContent {
  location?: SharedLocation;
  contacts?: ContactCard[];
  sticker?: { emoji?: string; setName?: string; animated?: boolean };
  /** A reaction to an earlier message: ours when it was found (by the channel's id for it), with its preview. */
  reaction?: { emoji: string; messageId?: string; preview?: string };
  /** The channel's name for a type it delivers but cannot show (WhatsApp `unsupported`, a Telegram poll…). */
  unsupportedType?: string;
}

/** M3: operator → client delivery, in the order a message moves through it. */
export const DELIVERY_STATUSES = ['queued', 'sent', 'delivered', 'read'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number] | 'failed';

export interface Attachment {
  /** The name shown (and saved on download): the sender's, without control or bidi characters. */
  name: string;
  /** The type its bytes were found to be. */
  mimeType: string;
  size: number;
  key: string;
  /** Images whose first bytes tell their size. */
  width?: number;
  height?: number;
}

/** A1: channel media that could not be copied into S3 (too large, gone from the channel), so operators know of it. */
export interface SkippedAttachment {
  name: string;
  reason: string;
}

export interface Message {
  messageId: string;
  ticketId: string;
  ticketNumber: number;
  clientId: string;
  author: Author;
  kind: MessageKind;
  text?: string;
  attachments?: Attachment[];
  skippedAttachments?: SkippedAttachment[];
  quote?: { messageId: string; preview: string };
  /** Operator messages only. */
  status?: DeliveryStatus;
  failureReason?: string;
  /** M3 for a reply sent as several channel messages: each part's status by its channel id; `status` is the least. */
  partStatuses?: Record<string, DeliveryStatus>;
  /** M7: tags operators put on the message (operators only). */
  tags?: string[];
  /** System messages: the structured timeline entry. */
  note?: SystemNote;
  location?: SharedLocation;
  contacts?: ContactCard[];
  sticker?: MessageContent['sticker'];
  reaction?: MessageContent['reaction'];
  unsupportedType?: string;
  /** The client edited this message on its channel: when last, and every earlier text, oldest first. */
  editedAt?: string;
  edits?: Array<{ text: string; replacedAt: string }>;
  /** The channel's own id for this message (dedupe, delivery reports). */
  externalId?: string;
  createdAt: string;
  /**
   * R2: the ticket's sequence number of this message's latest change (written, or its delivery status moved). Unique
   * within the ticket: no two messages or notes of one ticket carry the same `seq`.
   */
  seq: number;
}

/** A message as a decision drafts it: the ticket and the sequence number are filled in when the change is made. */
export type MessageDraft = Omit<Message, 'ticketId' | 'ticketNumber' | 'clientId' | 'seq'>;

let lastStamp = 0;
let sameStampCount = 0;

/** Time-ordered: base-36 milliseconds, a per-process counter for the same millisecond, then randomness. */
export function newMessageId(now: Date): string {
  const stamp = now.getTime();
  sameStampCount = stamp === lastStamp ? sameStampCount + 1 : 0;
  lastStamp = stamp;
  return `${stamp.toString(36).padStart(9, '0')}${sameStampCount.toString(36).padStart(3, '0')}${randomBytes(5).toString('hex')}`;
}

/** T10: a movement as a timeline entry, visible to operators only. */
export function timelineEntry(
  note: SystemNote,
  actor: Pick<OperatorActor, 'operatorId'> | undefined,
  now: Date,
): MessageDraft {
  return {
    messageId: newMessageId(now),
    author: actor ? { kind: 'system', operatorId: actor.operatorId } : { kind: 'system' },
    kind: 'system',
    text: note.text,
    note,
    createdAt: now.toISOString(),
  };
}

/** A drafted message placed in its ticket at its sequence number. */
export function placeMessage(
  draft: MessageDraft,
  ticket: Pick<Ticket, 'ticketId' | 'number' | 'clientId'>,
  seq: number,
): Message {
  return { ...draft, ticketId: ticket.ticketId, ticketNumber: ticket.number, clientId: ticket.clientId, seq };
}

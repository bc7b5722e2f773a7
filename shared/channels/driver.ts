// One driver per channel kind (CH1–CH3) behind one interface: verify and parse its webhook into normalized inbound
// events, and deliver operator messages out. Drivers hold no ticket logic: ingest, statuses and typing are the
// webhook use case's job (shared/use-cases/channel-webhook.ts), delivery bookkeeping is shared/channels/delivery.ts's.

import type { DeliveryStatus, MediaKind, Message, MessageContent, MessageKind } from '../domain/messages';
import type { Ticket } from '../domain/ticket-rules';
import type { Channel, ChannelKind } from '../store/channels';
import type { ClientType } from '../store/clients';
import type { ClientRecord } from '../store/tickets';

/** A webhook request exactly as it arrived: the raw bytes matter for signatures (emoji, whitespace). */
export interface WebhookRequest {
  method: 'GET' | 'POST';
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | undefined>>;
  query: Readonly<Record<string, string | undefined>>;
  rawBody: Buffer;
  receivedAt: Date;
  sourceIp: string;
}

export interface WebhookResponse {
  status: number;
  body?: string;
  contentType?: string;
}

/** Media a channel announced; fetched (and copied to S3) on arrival, since channel URLs expire within minutes. */
export interface MediaReference {
  kind: MediaKind;
  fetch(): Promise<{ bytes: Buffer; mimeType?: string; fileName?: string }>;
  fileName?: string;
  declaredMimeType?: string;
}

export type InboundEvent =
  | {
      type: 'message';
      externalUserId: string;
      /** The name the channel gives the client (C1: kept as the original name). */
      name: string;
      /** CH2: the channel's id for the message, the dedupe key. */
      externalMessageId: string;
      kind: Exclude<MessageKind, 'system'>;
      text?: string;
      media?: MediaReference[];
      /** Location, contacts, sticker, unsupported type; a reaction names its target by the channel's id for it. */
      content?: Omit<MessageContent, 'reaction'>;
      reaction?: { emoji: string; externalMessageId: string };
      at: Date;
    }
  | {
      /** The client edited an earlier message (Telegram): stored as an edit of that message, its text kept. */
      type: 'edit';
      externalUserId: string;
      name: string;
      /** CH2: the edit's own dedupe key. */
      externalMessageId: string;
      /** The edited message's dedupe key, as its `message` event carried it. */
      originalExternalMessageId: string;
      text: string;
      at: Date;
    }
  | {
      /** M3: a delivery report for an operator message this channel sent. */
      type: 'status';
      externalMessageId: string;
      status: Exclude<DeliveryStatus, 'queued'>;
      reason?: string;
      at: Date;
    }
  | { type: 'typing'; externalUserId: string; typing: boolean }
  /** An update the channel sent that carries nothing for operators (membership, service notices): acknowledged, logged. */
  | { type: 'ignored'; reason: string };

export type DeliveryOutcome =
  /** `partIds`: every channel message id of a reply sent as several (files, a long text); the first is externalId. */
  | { status: 'sent' | 'delivered'; externalId?: string; partIds?: string[] }
  /**
   * `transient`: the channel may accept it later (429, 5xx, no answer), so the reply stays queued and is retried by a
   * timer (CH3, OP3); otherwise the failure is final.
   */
  | { status: 'failed'; reason: string; transient?: boolean }
  /** The channel cannot deliver right now but may later (kept queued). */
  | { status: 'queued' };

export interface OutboundDelivery {
  message: Message;
  ticket: Ticket;
  client: ClientRecord;
  channel: Channel;
}

export interface ChannelDriver {
  kind: ChannelKind;
  /** C2: how clients of this channel are typed. */
  clientType: ClientType;
  webhook?: {
    /** Answers GET verification handshakes (WhatsApp's hub.challenge); undefined → 405. */
    handshake?(request: WebhookRequest, channel: Channel): WebhookResponse;
    /** Throws `unauthorized` for a missing, wrong or replayed signature: nothing is stored. */
    verify(request: WebhookRequest, channel: Channel): void;
    /** Normalizes a verified body; throws `invalid` if it is not this channel's shape at all. */
    parse(request: WebhookRequest, channel: Channel): InboundEvent[];
    /**
     * For kinds whose signature stays valid for a while (the `api` channel's 5 minutes): what identifies this signed
     * request and until when (unix seconds) a copy of it would be accepted, so a replay within that time is caught.
     */
    replayWindow?(request: WebhookRequest): { fingerprint: string; until: number } | undefined;
  };
  deliver(delivery: OutboundDelivery): Promise<DeliveryOutcome>;
}

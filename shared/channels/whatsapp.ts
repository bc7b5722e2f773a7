// WhatsApp Cloud API (CH1–CH4, M1): signed webhook notifications in (client messages — text, media, stickers,
// locations, contacts, reactions, and "unsupported" ones — and delivery reports of ours), the messages API out (text,
// and image/video/audio/document messages linking to the file), and template messages for outbound starts by phone.
import * as z from 'zod';
import { invalid, unauthorized } from '../domain/errors';
import { cardText, mapUrlOf, placeText, unsupportedText } from '../domain/message-content';
import type { Attachment, ContactCard, MessageContent, MessageKind } from '../domain/messages';
import { readConfig } from '../platform/config';
import { presignDownload } from '../platform/object-store';
import type { Channel } from '../store/channels';
import type {
  ChannelDriver,
  DeliveryOutcome,
  InboundEvent,
  MediaReference,
  WebhookRequest,
  WebhookResponse,
} from './driver';
import { getBytes, isTransientStatus, postJson } from './outbound-http';
import { deliverParts, outboundParts } from './outbound-media';
import { hmacSha256, sameDigest, sameSecret } from './signatures';

export const WHATSAPP_SIGNATURE_HEADER = 'x-hub-signature-256';
/** Meta signs with lowercase hex; anything else is not a signature Meta made. */
const SIGNATURE_FORMAT = /^sha256=([0-9a-f]{64})$/;

type WhatsAppChannel = Extract<Channel, { kind: 'whatsapp' }>;

/** Far beyond any real message (WhatsApp stops at 4096 characters); keeps a stored message within an item's size. */
const MAX_TEXT = 20_000;
/** Real ids are under 100 characters; a key built from a longer one is refused by DynamoDB. */
const MAX_ID = 256;

const short = z.string().max(1024);

const mediaSchema = z.looseObject({
  id: z.string().min(1),
  mime_type: z.string().optional(),
  caption: z.string().max(MAX_TEXT).optional(),
  filename: z.string().optional(),
});

const messageSchema = z.looseObject({
  from: z.string().min(1),
  id: z.string().min(1).max(MAX_ID),
  timestamp: z.string().optional(),
  type: z.string(),
  text: z.looseObject({ body: z.string().max(MAX_TEXT) }).optional(),
  image: mediaSchema.optional(),
  document: mediaSchema.optional(),
  video: mediaSchema.optional(),
  audio: mediaSchema.optional(),
  voice: mediaSchema.optional(),
  button: z.looseObject({ text: z.string().max(MAX_TEXT) }).optional(),
  interactive: z
    .looseObject({
      button_reply: z.looseObject({ title: z.string().max(MAX_TEXT) }).optional(),
      list_reply: z.looseObject({ title: z.string().max(MAX_TEXT) }).optional(),
    })
    .optional(),
  errors: z.array(z.looseObject({ title: z.string().optional() })).optional(),
  sticker: mediaSchema.extend({ animated: z.boolean().optional() }).optional(),
  location: z
    .looseObject({
      latitude: z.number().min(-90).max(90),
      longitude: z.number().min(-180).max(180),
      name: short.optional(),
      address: short.optional(),
    })
    .optional(),
  contacts: z
    .array(
      z.looseObject({
        name: z.looseObject({ formatted_name: short.optional(), first_name: short.optional() }).optional(),
        phones: z
          .array(z.looseObject({ phone: short.optional(), wa_id: short.optional() }))
          .max(20)
          .optional(),
        emails: z
          .array(z.looseObject({ email: short.optional() }))
          .max(20)
          .optional(),
        org: z.looseObject({ company: short.optional() }).optional(),
      }),
    )
    .max(20)
    .optional(),
  reaction: z
    .looseObject({ message_id: z.string().min(1).max(MAX_ID), emoji: z.string().max(64).optional() })
    .optional(),
  unsupported: z.looseObject({ type: z.string().max(64).optional() }).optional(),
});
type WhatsAppMessage = z.output<typeof messageSchema>;

const errorSchema = z.looseObject({
  code: z.number().optional(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
});

const statusSchema = z.looseObject({
  id: z.string().min(1).max(MAX_ID),
  status: z.string(),
  timestamp: z.string().optional(),
  errors: z.array(errorSchema).optional(),
});

const valueSchema = z.looseObject({
  metadata: z.looseObject({ phone_number_id: z.string() }).optional(),
  contacts: z
    .array(z.looseObject({ wa_id: z.string(), profile: z.looseObject({ name: z.string() }).optional() }))
    .optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});

const notificationSchema = z.looseObject({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(
    z.looseObject({
      changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })).default([]),
    }),
  ),
});

const mediaInfoSchema = z.looseObject({ url: z.string().min(1), mime_type: z.string().optional() });
const sentSchema = z.looseObject({ messages: z.array(z.looseObject({ id: z.string() })).min(1) });
const graphErrorSchema = z.looseObject({
  error: z.looseObject({
    message: z.string().optional(),
    code: z.number().optional(),
    error_data: z.looseObject({ details: z.string().optional() }).optional(),
  }),
});

export const whatsappDriver: ChannelDriver = {
  kind: 'whatsapp',
  clientType: 'channel',
  webhook: {
    handshake(request, channel) {
      return answerHandshake(request, whatsappSettings(channel).verifyToken);
    },
    verify(request, channel) {
      const header = request.headers[WHATSAPP_SIGNATURE_HEADER];
      const hex = header === undefined ? undefined : SIGNATURE_FORMAT.exec(header)?.[1];
      if (hex === undefined) throw unauthorized('The X-Hub-Signature-256 header is missing or malformed.');
      if (!sameDigest(hmacSha256(whatsappSettings(channel).appSecret, request.rawBody), hex)) {
        throw unauthorized('The X-Hub-Signature-256 signature does not match the body.');
      }
    },
    parse(request, channel) {
      return parseNotification(request, whatsappChannel(channel));
    },
  },
  async deliver({ message, client, channel }) {
    const whatsapp = whatsappChannel(channel);
    const envelope = { messaging_product: 'whatsapp', recipient_type: 'individual', to: client.externalId };
    const parts = outboundParts(message, (attachment) => whatsappMediaTypeOf(attachment) !== 'audio');
    return deliverParts(parts, async (part) => {
      if (part.kind === 'text') return sendMessage(whatsapp, { ...envelope, type: 'text', text: { body: part.text } });
      const type = whatsappMediaTypeOf(part.attachment);
      // A link WhatsApp fetches once, at send: valid long enough for its retries, short enough to stay private.
      const link = await presignDownload(part.attachment.key, part.attachment.name, MEDIA_LINK_SECONDS);
      const media: Record<string, string> = { link };
      if (part.caption && type !== 'audio') media.caption = part.caption;
      if (type === 'document') media.filename = part.attachment.name;
      return sendMessage(whatsapp, { ...envelope, type, [type]: media });
    });
  },
};

const MEDIA_LINK_SECONDS = 3600;

/** CH3: the Cloud API media message type for a file; what WhatsApp cannot show inline goes as a document. */
export function whatsappMediaTypeOf(
  attachment: Pick<Attachment, 'mimeType' | 'size'>,
): 'image' | 'video' | 'audio' | 'document' {
  const { mimeType: type, size } = attachment;
  const mb = 1024 * 1024;
  if ((type === 'image/jpeg' || type === 'image/png') && size <= 5 * mb) return 'image';
  if ((type === 'video/mp4' || type === 'video/3gpp') && size <= 16 * mb) return 'video';
  if (['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg'].includes(type) && size <= 16 * mb) {
    return 'audio';
  }
  return 'document';
}

/**
 * CH4: starts a dialog by phone number. Outside the 24-hour window after a client's last message WhatsApp accepts
 * only approved templates, so the outbound start sends one (without parameters).
 */
export async function sendTemplate(
  channel: Channel,
  phone: string,
  templateName: string,
  language: string,
): Promise<DeliveryOutcome> {
  return sendMessage(whatsappChannel(channel), {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: phoneOf(phone),
    type: 'template',
    template: { name: templateName, language: { code: language } },
  });
}

/** Meta's webhook verification: echo hub.challenge only to a subscribe request carrying our verify token. */
function answerHandshake(request: WebhookRequest, verifyToken: string): WebhookResponse {
  const challenge = request.query['hub.challenge'];
  if (
    request.query['hub.mode'] === 'subscribe' &&
    sameSecret(request.query['hub.verify_token'], verifyToken) &&
    challenge !== undefined &&
    challenge.length > 0 &&
    challenge.length <= 512
  ) {
    return { status: 200, body: challenge, contentType: 'text/plain' };
  }
  return { status: 403, body: 'Verification failed.', contentType: 'text/plain' };
}

function parseNotification(request: WebhookRequest, channel: WhatsAppChannel): InboundEvent[] {
  const notification = notificationSchema.safeParse(parseJson(request.rawBody));
  if (!notification.success) throw invalid('The body is not a WhatsApp Business Account notification.');
  const events: InboundEvent[] = [];
  for (const entry of notification.data.entry) {
    for (const change of entry.changes) {
      if (change.field !== 'messages') {
        events.push({ type: 'ignored', reason: `WhatsApp '${change.field}' notifications are not handled.` });
        continue;
      }
      const value = valueSchema.safeParse(change.value);
      if (!value.success) {
        events.push({ type: 'ignored', reason: 'A WhatsApp messages notification has no usable value.' });
        continue;
      }
      const phoneNumberId = value.data.metadata?.phone_number_id;
      // One Meta app may serve several numbers; only this channel's number is ours to store.
      if (phoneNumberId !== undefined && phoneNumberId !== channel.settings.phoneNumberId) {
        events.push({ type: 'ignored', reason: `WhatsApp notification for another phone number (${phoneNumberId}).` });
        continue;
      }
      const names = new Map((value.data.contacts ?? []).map((contact) => [contact.wa_id, contact.profile?.name]));
      for (const raw of value.data.messages ?? []) events.push(messageEvent(raw, names, channel, request.receivedAt));
      for (const raw of value.data.statuses ?? []) events.push(statusEvent(raw, request.receivedAt));
    }
  }
  return events;
}

function messageEvent(
  raw: unknown,
  names: ReadonlyMap<string, string | undefined>,
  channel: WhatsAppChannel,
  receivedAt: Date,
): InboundEvent {
  const parsed = messageSchema.safeParse(raw);
  if (!parsed.success) return { type: 'ignored', reason: 'A WhatsApp message has no usable shape.' };
  const message = parsed.data;
  const content = contentOf(message, channel);
  if (!content) return { type: 'ignored', reason: `WhatsApp '${message.type}' notices carry nothing to show.` };
  const name = names.get(message.from);
  return {
    type: 'message',
    externalUserId: message.from,
    name: name && name.trim().length > 0 ? name : `+${message.from}`,
    externalMessageId: message.id,
    kind: content.kind,
    ...(content.text ? { text: content.text } : {}),
    ...(content.media ? { media: [content.media] } : {}),
    ...(content.details ? { content: content.details } : {}),
    ...(message.type === 'reaction' && message.reaction
      ? { reaction: { emoji: message.reaction.emoji ?? '', externalMessageId: message.reaction.message_id } }
      : {}),
    at: timeOf(message.timestamp, receivedAt),
  };
}

/** Notices about the client rather than from it (a changed number, a first-contact ping): nothing to store. */
const NOTICE_TYPES = new Set(['system', 'request_welcome']);

interface WhatsAppContent {
  kind: Exclude<MessageKind, 'system'>;
  text?: string;
  media?: MediaReference;
  details?: Omit<MessageContent, 'reaction'>;
}

function contentOf(message: WhatsAppMessage, channel: WhatsAppChannel): WhatsAppContent | undefined {
  const media = (kind: MediaReference['kind'], source: z.output<typeof mediaSchema> | undefined) =>
    source && {
      kind,
      ...(source.caption ? { text: source.caption } : {}),
      media: mediaReference(channel, kind, source),
    };
  switch (message.type) {
    case 'text':
      return message.text && { kind: 'text', text: message.text.body };
    case 'image':
      return media('image', message.image);
    case 'document':
      return media('document', message.document);
    case 'video':
      return media('video', message.video);
    // Voice notes arrive as `audio` with `voice: true`; older payloads used a `voice` type.
    case 'audio':
      return media('audio', message.audio);
    case 'voice':
      return media('audio', message.voice);
    // Replies to template quick-reply buttons and interactive messages are the client's answer, as text.
    case 'button':
      return message.button && { kind: 'text', text: message.button.text };
    case 'interactive': {
      const title = message.interactive?.button_reply?.title ?? message.interactive?.list_reply?.title;
      return title === undefined ? unsupported('interactive') : { kind: 'text', text: title };
    }
    // M1: a sticker is a WebP image (animated ones too; their first frame is what a browser shows).
    case 'sticker':
      return message.sticker
        ? {
            kind: 'sticker',
            media: mediaReference(channel, 'image', message.sticker),
            details: { sticker: { animated: message.sticker.animated === true } },
          }
        : unsupported('sticker');
    case 'location': {
      if (!message.location) return unsupported('location');
      const { latitude, longitude, name, address } = message.location;
      const place = { latitude, longitude, ...(name ? { name } : {}), ...(address ? { address } : {}) };
      return {
        kind: 'location',
        text: placeText(place),
        details: { location: { ...place, mapUrl: mapUrlOf(place.latitude, place.longitude) } },
      };
    }
    case 'contacts': {
      const cards = (message.contacts ?? []).map(cardOf);
      return cards.length
        ? { kind: 'contact', text: cardText(cards), details: { contacts: cards } }
        : unsupported('contacts');
    }
    // The text names the target once it is found (shared/use-cases/channel-webhook.ts).
    case 'reaction':
      return message.reaction ? { kind: 'reaction' } : unsupported('reaction');
    // `unsupported` names what it was (`unsupported.type`: poll_creation, edit…); older payloads said `unknown`.
    case 'unsupported':
    case 'unknown':
      return unsupported(message.unsupported?.type ?? 'unknown');
    default:
      return NOTICE_TYPES.has(message.type) ? undefined : unsupported(message.type);
  }
}

function unsupported(type: string): WhatsAppContent {
  return { kind: 'unsupported', text: unsupportedText(type), details: { unsupportedType: type } };
}

function cardOf(contact: NonNullable<WhatsAppMessage['contacts']>[number]): ContactCard {
  const phones = (contact.phones ?? []).flatMap((phone) => phone.phone ?? (phone.wa_id ? `+${phone.wa_id}` : []));
  const emails = (contact.emails ?? []).flatMap((email) => email.email ?? []);
  const name = contact.name?.formatted_name ?? contact.name?.first_name ?? phones[0] ?? 'Contact';
  return {
    name,
    phones,
    ...(emails.length ? { emails } : {}),
    ...(contact.org?.company ? { organization: contact.org.company } : {}),
  };
}

const REPORTED = ['sent', 'delivered', 'read', 'failed'] as const;

function statusEvent(raw: unknown, receivedAt: Date): InboundEvent {
  const parsed = statusSchema.safeParse(raw);
  if (!parsed.success) return { type: 'ignored', reason: 'A WhatsApp status has no usable shape.' };
  const report = parsed.data;
  const status = REPORTED.find((known) => known === report.status);
  if (!status) return { type: 'ignored', reason: `WhatsApp '${report.status}' statuses are not handled.` };
  const reason = status === 'failed' ? errorReason(report.errors?.[0]) : undefined;
  return {
    type: 'status',
    externalMessageId: report.id,
    status,
    ...(reason ? { reason } : {}),
    at: timeOf(report.timestamp, receivedAt),
  };
}

function errorReason(error: z.output<typeof errorSchema> | undefined): string {
  if (!error) return 'WhatsApp reported the message as failed.';
  const summary = error.title ?? error.message ?? 'WhatsApp reported the message as failed';
  const details = error.error_data?.details;
  const text = details && details !== summary ? `${summary}: ${details}` : summary;
  return error.code === undefined ? text : `${text} (${error.code})`;
}

/** WhatsApp media URLs expire within minutes and need the access token: fetched on arrival. */
function mediaReference(
  channel: WhatsAppChannel,
  kind: MediaReference['kind'],
  source: z.output<typeof mediaSchema>,
): MediaReference {
  const headers = { authorization: `Bearer ${channel.settings.accessToken}` };
  return {
    kind,
    ...(source.filename ? { fileName: source.filename } : {}),
    ...(source.mime_type ? { declaredMimeType: source.mime_type } : {}),
    async fetch() {
      const lookup = await getBytes(`${whatsappApiBase()}/${encodeURIComponent(source.id)}`, { headers });
      const info = mediaInfoSchema.safeParse(jsonOrUndefined(lookup.bytes));
      if (!info.success) throw new Error(`WhatsApp media ${source.id} has no download URL.`);
      const download = await getBytes(info.data.url, { headers });
      const mimeType = info.data.mime_type ?? source.mime_type ?? download.contentType;
      return {
        bytes: download.bytes,
        ...(mimeType ? { mimeType } : {}),
        ...(source.filename ? { fileName: source.filename } : {}),
      };
    },
  };
}

async function sendMessage(channel: WhatsAppChannel, body: Record<string, unknown>): Promise<DeliveryOutcome> {
  const response = await postJson(`${whatsappApiBase()}/${channel.settings.phoneNumberId}/messages`, body, {
    headers: { authorization: `Bearer ${channel.settings.accessToken}` },
  });
  if (response.ok) {
    const sent = sentSchema.safeParse(response.body);
    return sent.success ? { status: 'sent', externalId: sent.data.messages[0]?.id } : { status: 'sent' };
  }
  const transient = isTransientStatus(response.status);
  const graph = graphErrorSchema.safeParse(response.body);
  if (!graph.success) return { status: 'failed', reason: `WhatsApp answered HTTP ${response.status}.`, transient };
  const { message, code, error_data: data } = graph.data.error;
  const summary = message ?? `HTTP ${response.status}`;
  const details = data?.details && data.details !== message ? `: ${data.details}` : '';
  return {
    status: 'failed',
    reason: `WhatsApp: ${summary}${details}${code === undefined ? '' : ` (${code})`}`,
    transient,
  };
}

function whatsappApiBase(): string {
  return readConfig().whatsappApiBase.replace(/\/+$/, '');
}

function whatsappChannel(channel: Channel): WhatsAppChannel {
  if (channel.kind !== 'whatsapp') throw new Error(`Channel ${channel.channelId} is not a WhatsApp channel.`);
  return channel;
}

function whatsappSettings(channel: Channel): WhatsAppChannel['settings'] {
  return whatsappChannel(channel).settings;
}

/** WhatsApp ids are the international number in digits; people type it with +, spaces and dashes. */
export function phoneOf(phone: string): string {
  const digits = phone.replace(/[\s().-]/g, '').replace(/^\+/, '');
  if (!/^\d{7,15}$/.test(digits)) throw invalid('phone: must be an international phone number like +14155550123');
  return digits;
}

function timeOf(timestamp: string | undefined, fallback: Date): Date {
  const seconds = Number(timestamp);
  const at = new Date(seconds * 1000);
  // Also refused: a number no Date can hold, which would fail the whole notification.
  return timestamp !== undefined && seconds > 0 && !Number.isNaN(at.getTime()) ? at : fallback;
}

function jsonOrUndefined(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw invalid('The body is not JSON.');
  }
}

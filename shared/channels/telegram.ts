// Telegram (CH1–CH3, M1): Bot API webhook updates in — text, media, stickers, locations, venues, contacts, edits; any
// other content as "a message of a type this channel cannot show" — and out sendMessage, and sendPhoto, sendDocument,
// sendVideo, sendAudio or sendVoice for files. Telegram sends bots no delivery or read reports,
// so an operator message to Telegram stops at `sent` (M3: read status only where the channel reports it).
import * as z from 'zod';
import { invalid, unauthorized } from '../domain/errors';
import { cardText, mapUrlOf, placeText, unsupportedText } from '../domain/message-content';
import type { Attachment, MessageContent, MessageKind } from '../domain/messages';
import { readConfig } from '../platform/config';
import { readObject } from '../platform/object-store';
import type { Channel } from '../store/channels';
import type { ChannelDriver, InboundEvent, MediaReference, WebhookRequest } from './driver';
import { getBytes, type HttpAnswer, isTransientStatus, postForm, postJson } from './outbound-http';
import { deliverParts, outboundParts } from './outbound-media';
import { sameSecret } from './signatures';

/** Set by the admin as `secret_token` in setWebhook; Telegram echoes it on every update. */
export const TELEGRAM_SECRET_HEADER = 'x-telegram-bot-api-secret-token';

const file = z.looseObject({
  file_id: z.string().min(1),
  file_unique_id: z.string().optional(),
  file_size: z.number().optional(),
});
const photoSize = file.extend({ width: z.number(), height: z.number() });
const namedFile = file.extend({ file_name: z.string().optional(), mime_type: z.string().optional() });
const sticker = file.extend({
  emoji: z.string().max(64).optional(),
  set_name: z.string().max(256).optional(),
  is_animated: z.boolean().optional(),
  is_video: z.boolean().optional(),
  thumbnail: photoSize.optional(),
});
const location = z.looseObject({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  live_period: z.number().optional(),
});
const short = z.string().max(1024);

/** Far beyond any real message (Telegram stops at 4096 characters); keeps a stored message within an item's size. */
const MAX_TEXT = 20_000;

const messageSchema = z.looseObject({
  message_id: z.number(),
  date: z.number(),
  chat: z.looseObject({ id: z.number(), type: z.string(), title: z.string().optional() }),
  from: z
    .looseObject({
      id: z.number(),
      first_name: z.string(),
      last_name: z.string().optional(),
      username: z.string().optional(),
    })
    .optional(),
  text: z.string().max(MAX_TEXT).optional(),
  caption: z.string().max(MAX_TEXT).optional(),
  photo: z.array(photoSize).optional(),
  document: namedFile.optional(),
  video: namedFile.optional(),
  animation: namedFile.optional(),
  video_note: file.optional(),
  voice: namedFile.optional(),
  audio: namedFile.optional(),
  sticker: sticker.optional(),
  location: location.optional(),
  venue: z.looseObject({ location, title: short, address: short }).optional(),
  contact: z
    .looseObject({ phone_number: short, first_name: short, last_name: short.optional(), vcard: z.string().optional() })
    .optional(),
  /** Present on `edited_message`: when the client last edited it. */
  edit_date: z.number().optional(),
});
type TelegramMessage = z.output<typeof messageSchema>;

const updateSchema = z.looseObject({ update_id: z.int().nonnegative() });

/** Bot API answers: `{ok: true, result}` or `{ok: false, error_code, description, parameters?}`. */
const answerSchema = z.union([
  z.looseObject({ ok: z.literal(true), result: z.unknown() }),
  z.looseObject({
    ok: z.literal(false),
    error_code: z.number().optional(),
    description: z.string().optional(),
  }),
]);
const sentSchema = z.looseObject({ message_id: z.number() });
const fileInfoSchema = z.looseObject({ file_path: z.string().min(1).optional(), file_size: z.number().optional() });

export const telegramDriver: ChannelDriver = {
  kind: 'telegram',
  clientType: 'channel',
  webhook: {
    verify(request, channel) {
      if (!sameSecret(request.headers[TELEGRAM_SECRET_HEADER], channel.webhookSecret)) {
        throw unauthorized('The Telegram secret token is missing or wrong.');
      }
    },
    parse(request, channel) {
      return [parseUpdate(request, botTokenOf(channel))];
    },
  },
  async deliver({ message, client, channel }) {
    const token = botTokenOf(channel);
    const chatId = chatIdOf(client.externalId);
    return deliverParts(outboundParts(message), async (part) => {
      // Telegram allows 4096 characters per text; ours are at most 2000 (M4), so one message is always enough.
      const answer =
        part.kind === 'text'
          ? await callBotApi(token, 'sendMessage', { chat_id: chatId, text: part.text })
          : await sendFile(token, chatId, part.attachment, part.caption);
      if (!answer.ok) return { status: 'failed', reason: answer.reason, transient: answer.transient };
      const sent = sentSchema.safeParse(answer.result);
      return sent.success ? { status: 'sent', externalId: String(sent.data.message_id) } : { status: 'sent' };
    });
  },
};

/** sendPhoto takes JPEG, PNG and WebP up to 10 MB as an upload; anything else goes as what Telegram can show. */
const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
const PHOTO_MAX_BYTES = 10 * 1024 * 1024;

/** CH3: the Bot API method and its file field for an attachment, by what its bytes are. */
export function telegramMethodFor(attachment: Pick<Attachment, 'mimeType' | 'size'>): {
  method: 'sendPhoto' | 'sendVideo' | 'sendVoice' | 'sendAudio' | 'sendDocument';
  field: 'photo' | 'video' | 'voice' | 'audio' | 'document';
} {
  const type = attachment.mimeType;
  if (PHOTO_TYPES.includes(type) && attachment.size <= PHOTO_MAX_BYTES) return { method: 'sendPhoto', field: 'photo' };
  if (type === 'video/mp4') return { method: 'sendVideo', field: 'video' };
  // Voice notes are OGG/Opus; MP3 and M4A play as music.
  if (type === 'audio/ogg') return { method: 'sendVoice', field: 'voice' };
  if (type === 'audio/mpeg' || type === 'audio/mp4') return { method: 'sendAudio', field: 'audio' };
  return { method: 'sendDocument', field: 'document' };
}

/**
 * Files are uploaded (multipart), not linked: Telegram fetches links only for photos up to 5 MB and, as documents,
 * only GIF, PDF and ZIP files.
 */
async function sendFile(
  token: string,
  chatId: number | string,
  attachment: Attachment,
  caption: string | undefined,
): Promise<BotAnswer> {
  const { method, field } = telegramMethodFor(attachment);
  const form = new FormData();
  form.append('chat_id', String(chatId));
  if (caption) form.append('caption', caption);
  const bytes = await readObject(attachment.key);
  form.append(field, new Blob([new Uint8Array(bytes)], { type: attachment.mimeType }), attachment.name);
  const response = await withoutToken(token, () =>
    postForm(`${telegramApiBase()}/bot${token}/${method}`, form, FILE_UPLOAD_TIMING),
  );
  return botAnswerOf(response);
}

/** A 20 MB upload takes longer than a JSON call: a longer attempt, still inside a request function's time. */
const FILE_UPLOAD_TIMING = { attemptTimeoutMs: 8_000, totalBudgetMs: 8_000, attempts: 2 };

function parseUpdate(request: WebhookRequest, token: string): InboundEvent {
  const body = parseJson(request.rawBody);
  const update = updateSchema.safeParse(body);
  if (!update.success) throw invalid('The body is not a Telegram update (no update_id).');
  const { update_id: updateId, ...rest } = update.data;
  if (rest.edited_message !== undefined) return editOf(updateId, rest.edited_message, request);
  if (rest.message === undefined) {
    const kind = Object.keys(rest)[0] ?? 'empty';
    // edited_message, channel_post, callback_query, my_chat_member…: acknowledged so Telegram does not redeliver.
    return { type: 'ignored', reason: `Telegram update ${updateId}: '${kind}' updates are not handled.` };
  }
  const parsed = messageSchema.safeParse(rest.message);
  if (!parsed.success) {
    return { type: 'ignored', reason: `Telegram update ${updateId}: the message has no usable shape.` };
  }
  const message = parsed.data;
  if (message.chat.type !== 'private') {
    return { type: 'ignored', reason: `Telegram update ${updateId}: ${message.chat.type} chats are not handled.` };
  }
  const content = contentOf(message, token);
  if (!content) {
    return { type: 'ignored', reason: `Telegram update ${updateId}: a service message carries nothing to show.` };
  }
  const text = content.text ?? message.text ?? message.caption;
  return {
    type: 'message',
    externalUserId: String(message.chat.id),
    name: nameOf(message),
    externalMessageId: messageKeyOf(message),
    kind: content.kind,
    ...(text !== undefined && text.length > 0 ? { text } : {}),
    ...(content.media ? { media: [content.media] } : {}),
    ...(content.details ? { content: content.details } : {}),
    at: dateOf(message.date, request.receivedAt),
  };
}

/**
 * CH2: a message's chat and message id — what Telegram repeats when it redelivers an update it got no 200 for, and
 * what an edit of the message names, so the edit finds the message it changes.
 */
function messageKeyOf(message: { chat: { id: number }; message_id: number }): string {
  return `${message.chat.id}:${message.message_id}`;
}

/** An edited text or caption; a live location's moves also arrive as edits and are not stored one by one. */
function editOf(updateId: number, raw: unknown, request: WebhookRequest): InboundEvent {
  const parsed = messageSchema.safeParse(raw);
  if (!parsed.success || parsed.data.chat.type !== 'private') {
    return { type: 'ignored', reason: `Telegram update ${updateId}: an edit with no usable private message.` };
  }
  const message = parsed.data;
  const text = message.text ?? message.caption;
  if (text === undefined || message.location) {
    return { type: 'ignored', reason: `Telegram update ${updateId}: an edit without text (a live location moving).` };
  }
  return {
    type: 'edit',
    externalUserId: String(message.chat.id),
    name: nameOf(message),
    // Each edit is an update of its own: its update_id dedupes a redelivery of the same edit.
    externalMessageId: `update:${updateId}`,
    originalExternalMessageId: messageKeyOf(message),
    text,
    at: dateOf(message.edit_date ?? message.date, request.receivedAt),
  };
}

interface TelegramContent {
  kind: Exclude<MessageKind, 'system'>;
  media?: MediaReference;
  text?: string;
  details?: Omit<MessageContent, 'reaction'>;
}

function contentOf(message: TelegramMessage, token: string): TelegramContent | undefined {
  const media = (kind: MediaReference['kind'], source: z.output<typeof namedFile>, mimeType?: string) => ({
    kind,
    media: mediaReference(token, kind, source.file_id, source.file_name, source.mime_type ?? mimeType),
  });
  if (message.photo && message.photo.length > 0) return media('image', largest(message.photo), 'image/jpeg');
  // A GIF arrives as both `animation` and `document`; the animation (an MP4) is what the client sent.
  if (message.animation) return media('video', message.animation);
  if (message.video) return media('video', message.video);
  if (message.video_note) return media('video', message.video_note, 'video/mp4');
  if (message.voice) return media('audio', message.voice, 'audio/ogg');
  if (message.audio) return media('audio', message.audio);
  if (message.document) return media('document', message.document);
  if (message.sticker) return stickerOf(message.sticker, token);
  if (message.venue || message.location) return placeOf(message);
  if (message.contact) {
    const { first_name: first, last_name: last, phone_number: phone } = message.contact;
    const card = { name: [first, last].filter(Boolean).join(' '), phones: [phone] };
    return { kind: 'contact', text: cardText([card]), details: { contacts: [card] } };
  }
  if (message.text !== undefined) return { kind: 'text' };
  const type = CONTENT_FIELDS.find((field) => field in message);
  return type ? { kind: 'unsupported', text: unsupportedText(type), details: { unsupportedType: type } } : undefined;
}

/** M1: a sticker reads as its emoji and shows as its image; animated and video stickers show their still thumbnail. */
function stickerOf(source: z.output<typeof sticker>, token: string): TelegramContent {
  const moving = source.is_animated === true || source.is_video === true;
  const still = moving ? source.thumbnail : source;
  return {
    kind: 'sticker',
    ...(source.emoji ? { text: source.emoji } : {}),
    ...(still
      ? { media: mediaReference(token, 'image', still.file_id, undefined, moving ? undefined : 'image/webp') }
      : {}),
    details: {
      sticker: {
        ...(source.emoji ? { emoji: source.emoji } : {}),
        ...(source.set_name ? { setName: source.set_name } : {}),
        animated: moving,
      },
    },
  };
}

/** A venue is a named place; a bare location is a pin. Both read as a label and a map link. */
function placeOf(message: TelegramMessage): TelegramContent {
  const point = message.venue?.location ?? message.location;
  if (!point) throw new Error('placeOf needs a location or a venue');
  const place = {
    latitude: point.latitude,
    longitude: point.longitude,
    ...(message.venue ? { name: message.venue.title, address: message.venue.address } : {}),
  };
  return {
    kind: 'location',
    text: placeText(place),
    details: { location: { ...place, mapUrl: mapUrlOf(place.latitude, place.longitude) } },
  };
}

/** Telegram lists every size it made of a photo; the client meant the largest. */
function largest(sizes: ReadonlyArray<z.output<typeof photoSize>>): z.output<typeof photoSize> {
  return sizes.reduce((best, size) =>
    size.width * size.height > best.width * best.height ||
    (size.width * size.height === best.width * best.height && (size.file_size ?? 0) > (best.file_size ?? 0))
      ? size
      : best,
  );
}

/** Media is fetched on arrival: getFile gives a path that stays downloadable for at least an hour. */
function mediaReference(
  token: string,
  kind: MediaReference['kind'],
  fileId: string,
  fileName: string | undefined,
  mimeType: string | undefined,
): MediaReference {
  return {
    kind,
    ...(fileName ? { fileName } : {}),
    ...(mimeType ? { declaredMimeType: mimeType } : {}),
    async fetch() {
      const answer = await callBotApi(token, 'getFile', { file_id: fileId });
      if (!answer.ok) throw new Error(`Telegram getFile failed: ${answer.reason}`);
      const info = fileInfoSchema.safeParse(answer.result);
      if (!info.success || !info.data.file_path) throw new Error('Telegram getFile returned no file_path.');
      const filePath = info.data.file_path;
      const download = await withoutToken(token, () => getBytes(`${telegramApiBase()}/file/bot${token}/${filePath}`));
      const pathName = filePath.split('/').pop();
      return {
        bytes: download.bytes,
        ...((mimeType ?? download.contentType) ? { mimeType: mimeType ?? download.contentType } : {}),
        ...((fileName ?? pathName) ? { fileName: fileName ?? pathName } : {}),
      };
    },
  };
}

type BotAnswer = { ok: true; result: unknown } | { ok: false; reason: string; transient: boolean };

/** One Bot API call; postJson retries 429 and 5xx, so a failure here is final for this attempt. */
async function callBotApi(token: string, method: string, body: Record<string, unknown>): Promise<BotAnswer> {
  const response = await withoutToken(token, () => postJson(`${telegramApiBase()}/bot${token}/${method}`, body));
  return botAnswerOf(response);
}

function botAnswerOf(response: HttpAnswer): BotAnswer {
  const answer = answerSchema.safeParse(response.body);
  const transient = isTransientStatus(response.status);
  if (answer.success && answer.data.ok) return { ok: true, result: answer.data.result };
  if (answer.success && !answer.data.ok) {
    // Flood control that outlasted postJson's retries says "Too Many Requests: retry after N" itself.
    const { error_code: code, description } = answer.data;
    return { ok: false, reason: `Telegram: ${description ?? `error ${code ?? response.status}`}`, transient };
  }
  return { ok: false, reason: `Telegram answered HTTP ${response.status} without a Bot API result.`, transient };
}

/** The bot token is part of every Bot API URL: errors that quote the URL must not carry it into logs or reasons. */
async function withoutToken<T>(token: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(message.split(token).join('<bot-token>'));
  }
}

function telegramApiBase(): string {
  return readConfig().telegramApiBase.replace(/\/+$/, '');
}

function botTokenOf(channel: Channel): string {
  if (channel.kind !== 'telegram') throw new Error(`Channel ${channel.channelId} is not a Telegram channel.`);
  return channel.settings.botToken;
}

/** Chat ids fit in 52 bits; the Bot API takes them as numbers. */
function chatIdOf(externalId: string): number | string {
  return /^-?\d{1,16}$/.test(externalId) ? Number(externalId) : externalId;
}

/** The message's unix date; one no Date can hold (a forged or broken update) is taken as the arrival time. */
function dateOf(seconds: number, arrival: Date): Date {
  const at = new Date(seconds * 1000);
  return Number.isNaN(at.getTime()) ? arrival : at;
}

function nameOf(message: TelegramMessage): string {
  const from = message.from;
  const full = [from?.first_name, from?.last_name].filter((part) => part && part.trim().length > 0).join(' ');
  if (full) return full;
  if (from?.username) return `@${from.username}`;
  return `Telegram user ${message.chat.id}`;
}

/** Client content Telegram delivers that operators cannot be shown; what is not here is a service message. */
const CONTENT_FIELDS = ['poll', 'dice', 'game', 'story', 'invoice', 'paid_media', 'giveaway', 'checklist'];

function parseJson(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw invalid('The body is not JSON.');
  }
}

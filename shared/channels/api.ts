// The `api` channel (CH1, CH3): any system posting signed JSON. Requests carry an HMAC-SHA256 of "<timestamp>.<raw
// body>" under the channel's webhook secret; operator replies are POSTed to the channel's callback URL, signed alike.
//
// Inbound, POST /channels/{channelId}/webhook with headers
//   x-switchboard-timestamp: <unix seconds>                 (refused when more than 5 minutes off)
//   x-switchboard-signature: sha256=<lowercase hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
// and one of these bodies (events/api/ has samples):
//   { "type": "message", "messageId": "crm-1", "user": { "id": "u-42", "name": "Olga" }, "text"?: "…",
//     "attachments"?: [{ "url": "https://…", "name"?: "invoice.pdf", "mimeType"?: "application/pdf" }] }
//   { "type": "status", "messageId": "<the messageId we sent>", "status": "delivered" | "read" | "failed", "reason"?: "…" }
//   { "type": "typing", "user": { "id": "u-42" }, "typing": true }
// Outbound, POST <callbackUrl>, same two headers:
//   { "type": "message", "messageId": "<our id>", "user": { "id": "u-42" }, "text": "…", "createdAt": "<ISO time>",
//     "attachments"?: [{ "name": "invoice.pdf", "mimeType": "application/pdf", "size": 1234, "url": "<download URL>" }] }
// Attachment URLs are presigned GETs valid for an hour: the callee downloads what it wants to keep.
// Any 2xx means sent; the callee's later status reports name our messageId.
import * as z from 'zod';
import { describeIssues, invalid, unauthorized } from '../domain/errors';
import { MAX_CLIENT_TEXT_LENGTH, validateText } from '../domain/ticket-rules';
import { presignDownload } from '../platform/object-store';
import type { Channel } from '../store/channels';
import type { ChannelDriver, InboundEvent, MediaReference, WebhookRequest } from './driver';
import { failureReason, getBytes, isTransientStatus, postJson } from './outbound-http';
import { hmacSha256, SIGNATURE_HEADERS, sameDigest, signTimestamped } from './signatures';

/** A1/CH3: how long the download links in a callback stay valid. */
const CALLBACK_URL_SECONDS = 3600;

export const API_TIMESTAMP_HEADER = SIGNATURE_HEADERS.timestamp;
export const API_SIGNATURE_HEADER = SIGNATURE_HEADERS.signature;
/** A signed request is good for this long either side of its timestamp: a captured one cannot be replayed later. */
export const API_SIGNATURE_TOLERANCE_SECONDS = 300;

/** `sha256=` + the lowercase hex HMAC-SHA256 of "<timestamp>.<raw body>" under `secret`. */
export function signApiPayload(secret: string, timestamp: number | string, rawBody: Buffer | string): string {
  return signTimestamped(secret, timestamp, rawBody);
}

/** Both headers for a body, signed now; used for our own callbacks and by tests and the local stack's curl line. */
export function apiSignatureHeaders(
  secret: string,
  rawBody: Buffer | string,
  now = new Date(),
): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    [API_TIMESTAMP_HEADER]: String(timestamp),
    [API_SIGNATURE_HEADER]: signApiPayload(secret, timestamp, rawBody),
  };
}

/**
 * Throws `unauthorized` unless the request is signed with `secret` within the tolerance. The header format is exact —
 * `sha256=` and 64 lowercase hex digits, nothing around them — and the digest is compared in constant time.
 */
export function verifyApiSignature(
  secret: string,
  headers: WebhookRequest['headers'],
  rawBody: Buffer,
  receivedAt: Date,
): void {
  const timestamp = headers[API_TIMESTAMP_HEADER];
  const signature = headers[API_SIGNATURE_HEADER];
  if (timestamp === undefined || signature === undefined) {
    throw unauthorized(`Requests must carry ${API_TIMESTAMP_HEADER} and ${API_SIGNATURE_HEADER} headers.`);
  }
  if (!/^\d{1,12}$/.test(timestamp)) throw unauthorized(`${API_TIMESTAMP_HEADER} must be unix seconds.`);
  const skew = Math.abs(receivedAt.getTime() / 1000 - Number(timestamp));
  if (skew > API_SIGNATURE_TOLERANCE_SECONDS) {
    throw unauthorized(`${API_TIMESTAMP_HEADER} is more than 5 minutes away from our clock; sign the request anew.`);
  }
  const match = /^sha256=([0-9a-f]{64})$/.exec(signature);
  const expected = hmacSha256(secret, Buffer.concat([Buffer.from(`${timestamp}.`, 'utf8'), rawBody]));
  if (!match?.[1] || !sameDigest(expected, match[1])) {
    throw unauthorized(`${API_SIGNATURE_HEADER} does not match the body; see the channel's signing rules.`);
  }
}

const id = z.string().trim().min(1, 'is required').max(256, 'must be at most 256 characters');
const mediaUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048);

const messageSchema = z
  .strictObject({
    type: z.literal('message'),
    messageId: id,
    user: z.strictObject({ id, name: z.string().trim().min(1).max(200).optional() }),
    text: z.string().max(20_000, 'is far longer than 4096 characters').optional(),
    attachments: z
      .array(
        z.strictObject({
          url: mediaUrl,
          name: z.string().trim().min(1).max(255).optional(),
          mimeType: z.string().trim().min(3).max(255).optional(),
        }),
      )
      .max(10, 'must list at most 10 attachments')
      .optional(),
  })
  .refine((message) => message.text?.trim() || message.attachments?.length, 'send text, attachments or both');

const statusSchema = z.strictObject({
  type: z.literal('status'),
  messageId: id,
  status: z.enum(['delivered', 'read', 'failed']),
  reason: z.string().trim().max(500).optional(),
});

const typingSchema = z.strictObject({
  type: z.literal('typing'),
  user: z.strictObject({ id }),
  typing: z.boolean(),
});

export const apiWebhookSchema = z.discriminatedUnion('type', [messageSchema, statusSchema, typingSchema], {
  error: 'type: must be one of message, status, typing',
});
export type ApiWebhookBody = z.output<typeof apiWebhookSchema>;

function parseApiBody(request: WebhookRequest): InboundEvent[] {
  let json: unknown;
  try {
    json = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    throw invalid('The request body is not valid JSON.');
  }
  const parsed = apiWebhookSchema.safeParse(json);
  if (!parsed.success) throw invalid(describeIssues(parsed.error.issues));
  const body = parsed.data;
  const at = request.receivedAt;
  switch (body.type) {
    case 'status':
      return [
        {
          type: 'status',
          externalMessageId: body.messageId,
          status: body.status,
          ...(body.reason ? { reason: body.reason } : {}),
          at,
        },
      ];
    case 'typing':
      return [{ type: 'typing', externalUserId: body.user.id, typing: body.typing }];
    case 'message': {
      const media = (body.attachments ?? []).map(mediaOf);
      const text = body.text?.trim() ? validateText(body.text, MAX_CLIENT_TEXT_LENGTH) : undefined;
      return [
        {
          type: 'message',
          externalUserId: body.user.id,
          name: body.user.name ?? body.user.id,
          externalMessageId: body.messageId,
          kind: media[0]?.kind ?? 'text',
          ...(text ? { text } : {}),
          ...(media.length ? { media } : {}),
          at,
        },
      ];
    }
  }
}

/** The declared type only picks the message kind; the stored type comes from the bytes (shared/channels/media.ts). */
function mediaOf(attachment: { url: string; name?: string | undefined; mimeType?: string | undefined }) {
  const declared = attachment.mimeType?.toLowerCase();
  const kind: MediaReference['kind'] = declared?.startsWith('image/')
    ? 'image'
    : declared?.startsWith('video/')
      ? 'video'
      : declared?.startsWith('audio/')
        ? 'audio'
        : 'document';
  const fileName = attachment.name ?? fileNameOf(attachment.url);
  return {
    kind,
    ...(fileName ? { fileName } : {}),
    ...(declared ? { declaredMimeType: declared } : {}),
    async fetch() {
      const download = await getBytes(attachment.url);
      const mimeType = declared ?? download.contentType;
      return { bytes: download.bytes, ...(mimeType ? { mimeType } : {}), ...(fileName ? { fileName } : {}) };
    },
  } satisfies MediaReference;
}

function fileNameOf(url: string): string | undefined {
  const last = new URL(url).pathname.split('/').pop();
  if (!last) return undefined;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

function callbackUrlOf(channel: Channel): string {
  if (channel.kind !== 'api') throw new Error(`Channel ${channel.channelId} is not an api channel.`);
  return channel.settings.callbackUrl;
}

export const apiDriver: ChannelDriver = {
  kind: 'api',
  // C2: the calling system (a CRM, an online bank) has authenticated its user.
  clientType: 'crm',
  webhook: {
    verify(request, channel) {
      verifyApiSignature(channel.webhookSecret, request.headers, request.rawBody, request.receivedAt);
    },
    parse: parseApiBody,
    // Called once verified: the headers are well-formed. A copy is accepted while its timestamp is in tolerance.
    replayWindow(request) {
      const timestamp = Number(request.headers[API_TIMESTAMP_HEADER]);
      const signature = request.headers[API_SIGNATURE_HEADER]?.replace(/^sha256=/, '');
      if (!signature || !Number.isFinite(timestamp)) return undefined;
      return { fingerprint: signature, until: timestamp + API_SIGNATURE_TOLERANCE_SECONDS };
    },
  },
  async deliver({ message, client, channel }) {
    const attachments = await Promise.all(
      (message.attachments ?? []).map(async ({ name, mimeType, size, key }) => ({
        name,
        mimeType,
        size,
        url: await presignDownload(key, name, CALLBACK_URL_SECONDS),
      })),
    );
    const body = Buffer.from(
      JSON.stringify({
        type: 'message',
        messageId: message.messageId,
        user: { id: client.externalId },
        text: message.text ?? '',
        ...(attachments.length ? { attachments } : {}),
        createdAt: message.createdAt,
      }),
      'utf8',
    );
    const answer = await postJson(callbackUrlOf(channel), body, {
      headers: apiSignatureHeaders(channel.webhookSecret, body),
    });
    // Our id is the external id: the callee reports statuses by the messageId it received.
    if (answer.ok) return { status: 'sent', externalId: message.messageId };
    return { status: 'failed', reason: failureReason(answer), transient: isTransientStatus(answer.status) };
  },
};

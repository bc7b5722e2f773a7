// Channel webhooks (CH1–CH3, A1, M11): one use case for every channel kind — the channel's driver verifies and
// normalizes the request, then each event is ingested (media copied to S3 first; a reaction first finds the message it
// reacts to), applied as an edit, recorded as a delivery report or pushed as typing. A refused signature stores nothing; a redelivered update is acknowledged and stored once.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { recordChannelReport } from '../channels/delivery';
import type { ChannelDriver, InboundEvent, WebhookRequest, WebhookResponse } from '../channels/driver';
import { channelDrivers } from '../channels/drivers';
import { kindOfMimeType, MediaNotStored, storeInboundMedia } from '../channels/media';
import { DomainError, notFound } from '../domain/errors';
import { reactionText } from '../domain/message-content';
import { boundClientText, previewOf } from '../domain/ticket-rules';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { addLogContext, log } from '../platform/log';
import { countMetric, METRIC } from '../platform/metrics';
import type { WebhookReply } from '../protocol/http';
import { pushToAudiences } from '../realtime/fanout';
import { ticketAudiences } from '../realtime/ticket-events';
import { type Channel, webhookChannel } from '../store/channels';
import { clientIdFor } from '../store/clients';
import { keys } from '../store/keys';
import {
  type Attachment,
  findMessageByChannelId,
  type MessageContent,
  type SkippedAttachment,
} from '../store/messages';
import { forgetSignedRequest, rememberSignedRequest } from '../store/signed-requests';
import { readClientHead } from '../store/tickets';
import { ingestClientMessage } from './ingest';
import { recordClientEdit } from './message-edits';

/** What a webhook request's events came to, as its answer gives them (shared/protocol/http.ts). */
export type WebhookCounts = Omit<WebhookReply, 'ok' | 'replayed'>;

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Throws `not_found` (unknown or disabled channel, or a kind without webhooks), `unauthorized` (bad signature:
 * nothing is stored) or `invalid` (a body that is not this channel's shape); answers 405 to a GET the channel kind
 * has no handshake for.
 */
export async function receiveWebhook(channelId: string, request: WebhookRequest): Promise<WebhookResponse> {
  // X2: this function verifies, so it reads the channel with its secrets (one BatchGet), kept briefly per instance.
  // A handshake always reads afresh: it is rare and answers with a token that may just have been rotated.
  const read = await webhookChannel(channelId, { fresh: request.method === 'GET' });
  let { channel, driver, webhook } = webhookOf(channelId, read.channel);
  if (request.method === 'GET') {
    if (webhook.handshake) return webhook.handshake(request, channel);
    throw new DomainError('method_not_allowed', 'This webhook takes POST requests.');
  }
  addLogContext({ channelId: channel.channelId });
  try {
    verify(webhook, request, channel, !read.kept);
  } catch (error) {
    // Signed with a secret rotated since the channel was kept: checked again against a fresh read.
    if (!read.kept || !(error instanceof DomainError) || error.code !== 'unauthorized') throw error;
    ({ channel, driver, webhook } = webhookOf(channelId, (await webhookChannel(channelId, { fresh: true })).channel));
    verify(webhook, request, channel, true);
  }
  const events = webhook.parse(request, channel);
  const counts: WebhookCounts = {
    messages: 0,
    edits: 0,
    duplicates: 0,
    statuses: 0,
    staleStatuses: 0,
    typing: 0,
    ignored: 0,
  };
  // CH1: a signed request seen before within its window is a replay: acknowledged (the sender may only have missed
  // our answer) and not processed again. Forgotten if processing fails, so the sender's retry is processed. Nothing is
  // written until the guard has answered, so a replay changes nothing. Plain messages need no guard: their channel
  // message id is the dedupe key (CH2), kept for days, so a replay of one is a duplicate that stores and pushes nothing
  // — and skipping the guard saves a write and a call per message.
  const replay = events.every(isPlainMessage) ? undefined : webhook.replayWindow?.(request);
  if (
    replay &&
    !(await rememberSignedRequest(channel.channelId, replay.fingerprint, replay.until, request.receivedAt))
  ) {
    log.info('replayed request ignored', { kind: channel.kind });
    return { status: 200, contentType: JSON_TYPE, body: JSON.stringify({ ok: true, replayed: true, ...counts }) };
  }
  try {
    // In order: a batch (WhatsApp sends several messages at once) keeps the order the client wrote in.
    for (const event of events) await handleEvent(channel, driver, event, counts);
  } catch (error) {
    if (replay) await forgetSignedRequest(channel.channelId, replay.fingerprint).catch(() => undefined);
    throw error;
  }
  return { status: 200, contentType: JSON_TYPE, body: JSON.stringify({ ok: true, ...counts }) };
}

/** A message with no media to fetch and no reaction to apply: its ingest is the dedupe transaction and nothing before it. */
function isPlainMessage(event: InboundEvent): boolean {
  return event.type === 'message' && !event.media?.length && !event.reaction;
}

/** The channel's driver and webhook; an unknown or disabled channel answers like a missing one (nothing revealed). */
function webhookOf(channelId: string, channel: Channel | undefined) {
  if (!channel?.enabled) throw notFound(`Channel '${channelId}' does not exist.`);
  const driver = channelDrivers[channel.kind];
  const webhook = driver?.webhook;
  if (!driver || !webhook) throw notFound(`Channel '${channelId}' has no webhook.`);
  return { channel, driver, webhook };
}

/** Verifies the request's signature; a refusal is counted only when it is final (checked against a fresh read). */
function verify(
  webhook: NonNullable<ChannelDriver['webhook']>,
  request: WebhookRequest,
  channel: Channel,
  final: boolean,
) {
  try {
    webhook.verify(request, channel);
  } catch (error) {
    if (final && error instanceof DomainError && error.code === 'unauthorized')
      countMetric(METRIC.signaturesRefused, 1, channel.kind);
    throw error;
  }
}

async function handleEvent(channel: Channel, driver: ChannelDriver, event: InboundEvent, counts: WebhookCounts) {
  switch (event.type) {
    case 'message': {
      const stored = await ingestEvent(channel, driver, event);
      counts[stored ? 'messages' : 'duplicates']++;
      return;
    }
    case 'edit': {
      const { originalExternalMessageId, ...rest } = event;
      const clientId = clientIdFor(channel.channelId, event.externalUserId);
      const text = boundClientText(event.text);
      const result = await recordClientEdit({ ...event, text, channelId: channel.channelId, clientId });
      if (result !== 'unknown') {
        counts[result === 'edited' ? 'edits' : 'duplicates']++;
        return;
      }
      // The edited message is not among the client's recent ones: its new text is kept as a message of its own.
      console.info(`webhook ${channel.channelId}: edit of unknown message ${originalExternalMessageId} kept as new`);
      const stored = await ingestEvent(channel, driver, { ...rest, text, type: 'message', kind: 'text' });
      counts[stored ? 'messages' : 'duplicates']++;
      return;
    }
    case 'status': {
      const result = await recordChannelReport(channel.channelId, event.externalMessageId, {
        status: event.status,
        ...(event.reason ? { reason: event.reason } : {}),
      });
      if (result === 'unknown')
        log.info('status for an unknown message', { externalMessageId: event.externalMessageId });
      if (result === 'recorded' && event.status === 'failed') countMetric(METRIC.deliveryFailures, 1, channel.kind);
      counts[result === 'recorded' ? 'statuses' : 'staleStatuses']++;
      return;
    }
    case 'typing': {
      await pushClientTyping(clientIdFor(channel.channelId, event.externalUserId), event.typing);
      counts.typing++;
      return;
    }
    case 'ignored': {
      log.info('update ignored', { reason: event.reason });
      counts.ignored++;
      return;
    }
  }
}

/** Stores one client message; false when it was a redelivery. */
async function ingestEvent(
  channel: Channel,
  driver: ChannelDriver,
  event: Extract<InboundEvent, { type: 'message' }>,
): Promise<boolean> {
  // The transaction in ingest decides duplicates; this read only spares a redelivery the media download and upload,
  // so a text message (the common case) skips it and saves a round trip.
  if (event.media?.length && (await alreadyStored(channel.channelId, event.externalMessageId, event.at))) return false;
  const clientId = clientIdFor(channel.channelId, event.externalUserId);
  const attachments: Attachment[] = [];
  const skippedAttachments: SkippedAttachment[] = [];
  for (const media of event.media ?? []) {
    try {
      attachments.push(await storeInboundMedia(clientId, media));
    } catch (error) {
      if (!(error instanceof MediaNotStored)) throw error;
      log.warn('media not stored', { reason: error.reason });
      skippedAttachments.push({ name: error.fileName, reason: error.reason });
    }
  }
  const reacted = event.reaction ? await reactionOf(channel.channelId, clientId, event.reaction) : undefined;
  const content: MessageContent | undefined =
    reacted || event.content ? { ...event.content, ...(reacted ? { reaction: reacted.reaction } : {}) } : undefined;
  const text = reacted?.text ?? event.text;
  const result = await ingestClientMessage(
    {
      channelId: channel.channelId,
      externalUserId: event.externalUserId,
      name: event.name,
      clientType: driver.clientType,
      kind: kindOf(event.kind, attachments),
      ...(text ? { text: boundClientText(text) } : {}),
      ...(content ? { content } : {}),
      ...(attachments.length ? { attachments } : {}),
      ...(skippedAttachments.length ? { skippedAttachments } : {}),
      externalMessageId: event.externalMessageId,
      receivedAt: event.at,
    },
    // Read once for this request: verification needed it, routing and auto-close periods use it again.
    { channel },
  );
  if (!result.duplicate) countMetric(METRIC.messagesIn, 1, channel.kind);
  addLogContext({ clientId: result.clientId, ticketId: result.ticket?.ticketId });
  return !result.duplicate;
}

const MEDIA_KINDS: ReadonlySet<string> = new Set(['image', 'video', 'audio']);

/** A "photo" whose bytes are not an image is a document: front ends must not render it as one. */
function kindOf(kind: Extract<InboundEvent, { type: 'message' }>['kind'], attachments: readonly Attachment[]) {
  const first = attachments[0];
  if (!first || !MEDIA_KINDS.has(kind)) return kind;
  return kindOfMimeType(first.mimeType) === kind ? kind : 'document';
}

/**
 * M1: a reaction is a note on the message it reacts to — found by the channel's id for it, and only among this
 * client's own conversation (X1: a forged id never reveals another client's message). An unknown target still reads.
 */
async function reactionOf(channelId: string, clientId: string, reaction: { emoji: string; externalMessageId: string }) {
  const found = await findMessageByChannelId(channelId, clientId, reaction.externalMessageId);
  const preview = found ? previewOf(found.text ?? found.attachments?.[0]?.name ?? found.kind) : undefined;
  return {
    text: reactionText(reaction.emoji, preview),
    reaction: {
      emoji: reaction.emoji,
      ...(found ? { messageId: found.messageId } : {}),
      ...(preview !== undefined ? { preview } : {}),
    },
  };
}

/** Mirrors the dedupe condition in ingest: remembered and not yet expired. */
async function alreadyStored(channelId: string, externalMessageId: string, at: Date): Promise<boolean> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.inboundDedupe(channelId, externalMessageId) }),
  );
  return Item !== undefined && (Item.expiresAt as number) >= Math.floor(at.getTime() / 1000);
}

/** M11: the client's typing goes to whoever may see its open ticket; nothing is stored. */
async function pushClientTyping(clientId: string, typing: boolean): Promise<void> {
  const { latest } = await readClientHead(clientId);
  if (!latest || latest.status === 'closed') return;
  await pushToAudiences(ticketAudiences(latest), {
    type: 'event',
    event: 'client.typing',
    data: { clientId, ticketId: latest.ticketId, typing },
  });
}

// The HTTP API's own requests and answers beyond the operator actions (which answer what their WebSocket action does):
// health, widget sessions, connect codes, the caller's profile, reports and the error body. Browser-safe: zod only.
import * as z from 'zod';
import { errorBody } from './frame-schemas';

/** `POST /widget/{channelId}/session`: a visitor's name, or the token of a chat to resume. */
export const widgetSessionRequest = z
  .strictObject({
    name: z.string().trim().max(100, 'must be at most 100 characters').optional(),
    resumeToken: z.string().max(200).optional(),
  })
  .optional();

export const widgetSessionReply = z.object({
  clientId: z.string(),
  channelId: z.string(),
  name: z.string(),
  visitorToken: z.string(),
  expiresAt: z.string(),
});

export const healthReply = z.object({ status: z.literal('ok'), time: z.string() });

/**
 * `POST /channels/{channelId}/webhook`: what the request's events came to. A signed `api` request seen before within
 * its window (CH1) answers `replayed: true` and counts nothing.
 */
export const webhookReply = z.object({
  ok: z.literal(true),
  replayed: z.literal(true).optional(),
  messages: z.int().meta({ description: 'Client messages stored.' }),
  edits: z.int().meta({ description: 'Client edits applied to the message they change (M1).' }),
  duplicates: z
    .int()
    .meta({ description: 'Redeliveries of messages already stored (CH2): acknowledged, nothing stored.' }),
  statuses: z.int().meta({ description: 'Delivery reports that moved a message status forward (M3).' }),
  staleStatuses: z
    .int()
    .meta({ description: 'Reports that changed nothing: repeated, out of order, or for a message we do not know.' }),
  typing: z.int().meta({ description: 'Typing notices passed on.' }),
  ignored: z.int().meta({
    description: 'Updates the channel sent that are not handled, acknowledged so it does not send them again.',
  }),
});
export type WebhookReply = z.infer<typeof webhookReply>;

/** `POST /auth/connect-code`: a one-minute, single-use code for the WebSocket URL (`?token=`). */
export const connectCodeReply = z.object({ code: z.string(), expiresAt: z.string() });

/** `GET /me`: the calling operator. */
export const operatorProfile = z.object({
  operatorId: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.enum(['operator', 'supervisor', 'admin']),
  groups: z.array(z.object({ groupId: z.string(), name: z.string(), strategy: z.string() })),
  capacity: z.number().int(),
  enabled: z.boolean(),
});

/** `GET /reports` (RP1): daily figures by operator, group, channel or the whole tenant. */
export const reportQuerySchema = z.strictObject({
  from: z.string({ error: 'from: a date YYYY-MM-DD is required' }),
  to: z.string({ error: 'to: a date YYYY-MM-DD is required' }),
  by: z.enum(['operator', 'group', 'channel', 'tenant'], {
    error: 'by: must be operator, group, channel or tenant',
  }),
  /** Only this operator, group or channel. */
  id: z.string().min(1).max(200).optional(),
  /** `day`: one row per id and day; `range` (default): one row per id for the whole range. */
  interval: z.enum(['range', 'day']).default('range'),
  format: z.enum(['json', 'csv']).optional(),
});

export const reportReply = z.object({
  from: z.string(),
  to: z.string(),
  by: z.enum(['operator', 'group', 'channel', 'tenant']),
  interval: z.enum(['range', 'day']),
  days: z.number().int(),
  bucketEdgesSeconds: z.array(z.number()),
  rows: z.array(z.record(z.string(), z.unknown())),
  itemsRead: z.number().int(),
});

/** Every HTTP error: `{"error": {code, message, details?}}` with the status of its code. */
export const httpErrorBody = z.object({ error: errorBody });

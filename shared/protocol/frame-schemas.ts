// The WebSocket frames as schemas (R1): `{action, requestId, …}` requests, `reply` frames (ok with data, or an error
// with a stable code from the one error vocabulary), and pushed `event` / `events` frames. Browser-safe: zod only.
import * as z from 'zod';
import { ERROR_CODES } from '../domain/errors';
import { EVENT_TYPES, eventFrameSchema } from './events';

/** The one error vocabulary's codes, as replies and HTTP error bodies carry them. */
export { ERROR_CODES, type ErrorCode } from '../domain/errors';

/** An error: a stable code, a human message, and details (`reason`, `retryAfterSeconds` for `rate_limited` …). */
export const errorBody = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorBody = z.infer<typeof errorBody>;

/** Every request frame: the action, an id the reply repeats, and the action's input beside them. */
export const requestEnvelope = z.looseObject({
  action: z.string().min(1).max(64),
  requestId: z.string().min(1).max(64),
});

/** A reply with the `data` schema of its action. */
export const okReplyFrame = <T extends z.ZodType>(data: T) =>
  z.object({ type: z.literal('reply'), requestId: z.string().nullable(), ok: z.literal(true), data });

/** A refused request; `requestId` is null when the frame was not even JSON. */
export const errorReplyFrame = z.object({
  type: z.literal('reply'),
  requestId: z.string().nullable(),
  ok: z.literal(false),
  error: errorBody,
});
export type ErrorReplyFrame = z.infer<typeof errorReplyFrame>;

/** Any pushed event frame: its `data` checked against the schema of its `event`. */
export const eventFrame = z.discriminatedUnion(
  'event',
  EVENT_TYPES.map(eventFrameSchema) as unknown as [z.ZodObject, ...z.ZodObject[]],
);

/** Several events of one change, in order, as one WebSocket message. */
export const eventsFrame = z.object({ type: z.literal('events'), events: z.array(eventFrame) });

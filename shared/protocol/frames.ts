// What a pushed WebSocket message holds (R4, R5): one event, or the several events of one change for one recipient, in
// order, as one message. Pure and free of Node-only APIs, so front ends, the fan-out and tests read frames with one code.
import type { EventType } from './events';

/** Events whose `seq` orders them within their ticket (R4); `sync` returns what they changed. */
export const TICKET_SEQ_EVENTS = [
  'ticket.created',
  'ticket.updated',
  'message.created',
  'message.updated',
  'message.status',
  'message.tagged',
] as const satisfies readonly EventType[];

export interface EventFrame<T = unknown> {
  type: 'event';
  event: string;
  data: T;
}

/** Several events of one change to one recipient, in order, as one WebSocket message (R4). */
export interface EventsFrame {
  type: 'events';
  events: EventFrame[];
}

/** R5: an `events` frame stays well under API Gateway's 128 KB; a change whose events are larger goes as several. */
export const EVENTS_FRAME_BYTES = 96 * 1024;

const utf8 = new TextEncoder();

/**
 * The WebSocket messages that carry some events to one recipient: one plain event frame when there is one event,
 * else one `events` frame holding them in order (split, still in order, only past EVENTS_FRAME_BYTES).
 */
export function framesOf(events: readonly EventFrame[]): Array<EventFrame | EventsFrame> {
  const frames: Array<EventFrame | EventsFrame> = [];
  let batch: EventFrame[] = [];
  let bytes = 0;
  const flush = () => {
    if (batch.length) frames.push(batch.length === 1 ? (batch[0] as EventFrame) : { type: 'events', events: batch });
    batch = [];
    bytes = 0;
  };
  for (const event of events) {
    const size = utf8.encode(JSON.stringify(event)).length;
    if (batch.length > 0 && bytes + size > EVENTS_FRAME_BYTES) flush();
    batch.push(event);
    bytes += size;
  }
  flush();
  return frames;
}

/** The frames a received WebSocket message stands for, in order: each event of an `events` frame, else the frame. */
export function eventsIn<T = unknown>(frame: T): T[] {
  const batch = frame as { type?: unknown; events?: unknown };
  return batch?.type === 'events' && Array.isArray(batch.events) ? (batch.events as T[]) : [frame];
}

import { describe, expect, it } from 'vitest';
import { EVENTS_FRAME_BYTES, type EventFrame, eventsIn, framesOf } from '../../shared/realtime/event-frames';

const event = (name: string, bytes = 10): EventFrame => ({
  type: 'event',
  event: name,
  data: { pad: 'x'.repeat(bytes) },
});

describe('R4/R5 event frames', () => {
  it('R4: one event is a plain event frame; several are one events frame, in order', () => {
    expect(framesOf([event('a')])).toEqual([event('a')]);
    expect(framesOf([event('a'), event('b'), event('c')])).toEqual([
      { type: 'events', events: [event('a'), event('b'), event('c')] },
    ]);
  });

  it('R5: events past the frame budget are split into several frames, still in order, each under 128 KB', () => {
    const big = Array.from({ length: 5 }, (_, i) => event(`e${i}`, 40 * 1024));
    const frames = framesOf(big);
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.flatMap((frame) => eventsIn(frame))).toEqual(big);
    for (const frame of frames) expect(Buffer.byteLength(JSON.stringify(frame))).toBeLessThan(128 * 1024);
    expect(EVENTS_FRAME_BYTES).toBeLessThan(128 * 1024);
  });

  it('R4: a received message stands for its events; a reply or a single event for itself', () => {
    const reply = { type: 'reply', requestId: 'r1', ok: true };
    expect(eventsIn(reply)).toEqual([reply]);
    expect(eventsIn({ type: 'events', events: [event('a'), event('b')] })).toEqual([event('a'), event('b')]);
  });
});

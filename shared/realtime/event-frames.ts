// What a pushed WebSocket message holds (R4, R5): defined in the protocol module (shared/protocol/frames.ts), which
// front ends bundle; the fan-out and tests read frames through this name.
export { EVENTS_FRAME_BYTES, type EventFrame, type EventsFrame, eventsIn, framesOf } from '../protocol/frames';

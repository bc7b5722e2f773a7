// Enforces API Gateway's per-frame limit (32 KB) on what a client sends. The `ws` library reassembles fragmented
// messages and its `maxPayload` only bounds whole messages, so frame sizes are read from the raw TCP stream instead,
// by a listener placed before `ws`'s own: it sees each frame header before `ws` delivers the frame's message.
import type { Duplex } from 'node:stream';

const EMPTY = Buffer.alloc(0);
const FIRST_CONTROL_OPCODE = 0x8;

interface FrameHeader {
  opcode: number;
  headerLength: number;
  payloadLength: number;
}

/** Reads a frame header at `offset`, or returns undefined when the header is not complete yet. */
function readFrameHeader(data: Buffer, offset: number): FrameHeader | undefined {
  if (data.length - offset < 2) return undefined;
  const first = data[offset] as number;
  const second = data[offset + 1] as number;
  const shortLength = second & 0x7f;
  const extendedBytes = shortLength === 126 ? 2 : shortLength === 127 ? 8 : 0;
  const headerLength = 2 + extendedBytes + (second & 0x80 ? 4 : 0);
  if (data.length - offset < headerLength) return undefined;
  const payloadLength =
    extendedBytes === 2
      ? data.readUInt16BE(offset + 2)
      : extendedBytes === 8
        ? Number(data.readBigUInt64BE(offset + 2))
        : shortLength;
  return { opcode: first & 0x0f, headerLength, payloadLength };
}

/**
 * Calls `onOversize` once, for the first data frame (text, binary or continuation) whose payload exceeds
 * `maxFrameBytes`. Returns a function that stops watching. Assumes no permessage-deflate (API Gateway negotiates no
 * extensions), so a frame's payload length is its size on the wire.
 */
export function watchFrameSizes(
  socket: Duplex,
  maxFrameBytes: number,
  onOversize: (payloadLength: number) => void,
): () => void {
  let pending = EMPTY;
  let payloadLeft = 0;
  const stop = () => socket.removeListener('data', onData);

  function onData(chunk: Buffer): void {
    const data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    pending = EMPTY;
    let offset = 0;
    while (offset < data.length) {
      if (payloadLeft > 0) {
        const skipped = Math.min(payloadLeft, data.length - offset);
        payloadLeft -= skipped;
        offset += skipped;
        continue;
      }
      const header = readFrameHeader(data, offset);
      if (!header) {
        pending = Buffer.from(data.subarray(offset));
        return;
      }
      offset += header.headerLength;
      payloadLeft = header.payloadLength;
      if (header.opcode < FIRST_CONTROL_OPCODE && header.payloadLength > maxFrameBytes) {
        stop();
        onOversize(header.payloadLength);
        return;
      }
    }
  }

  socket.prependListener('data', onData);
  return stop;
}

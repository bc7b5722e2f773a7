// A real WebSocket client for the end-to-end and resilience suites: keeps every frame it receives (an `events` message
// as its events, in order), answers actions by requestId and waits for a frame that matches.
import WebSocket from 'ws';
import { eventsIn } from '../../shared/realtime/event-frames';

export interface Frame {
  type?: string;
  event?: string;
  requestId?: string | null;
  ok?: boolean;
  data?: Record<string, unknown> & { seq?: number; ticketId?: string };
  error?: { code: string; message: string };
  /** API Gateway's own frames: `Internal server error`, `Forbidden`; also a frame that was not JSON, as it came. */
  message?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Opens a socket and waits for the handshake. `origin`: the page a browser would name; widget visitors must send
 * their widget's (X3). `F`: how a test reads frames when it asserts them field by field.
 */
export async function connect<F extends object = Frame>(
  url: string,
  options: { origin?: string } = {},
): Promise<Peer<F>> {
  const socket = new WebSocket(url, options.origin ? { origin: options.origin } : {});
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const peer = new Peer<F>(socket);
  peer.openedAt = Date.now();
  return peer;
}

export class Peer<F extends object = Frame> {
  readonly frames: F[] = [];
  openedAt = 0;
  closedAt: number | undefined;
  closeCode: number | undefined;
  private next = 0;
  private cursor = 0;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const text = String(data);
      try {
        this.frames.push(...eventsIn(JSON.parse(text) as F));
      } catch {
        this.frames.push({ message: text } as F);
      }
    });
    socket.on('close', (code) => {
      this.closedAt ??= Date.now();
      this.closeCode = code;
    });
    socket.on('error', () => {});
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(raw: string): void {
    this.socket.send(raw);
  }

  /** Sends an action and waits for its reply frame (matched by requestId), refused or not. */
  async call(action: string, input: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<F> {
    const requestId = `call-${++this.next}`;
    this.send(JSON.stringify({ action, requestId, ...input }));
    return this.waitFor((frame) => {
      const reply = frame as Frame;
      return reply.type === 'reply' && reply.requestId === requestId;
    }, timeoutMs);
  }

  /** Sends an action and answers its reply's data; a refused action fails the test with its error. */
  async callOk(
    action: string,
    input: Record<string, unknown> = {},
    timeoutMs = 10_000,
  ): Promise<Record<string, unknown>> {
    const reply = (await this.call(action, input, timeoutMs)) as Frame;
    if (!reply.ok) throw new Error(`${action} refused: ${JSON.stringify(reply.error)}`);
    return reply.data ?? {};
  }

  /**
   * The next reply-like frame after the ones already consumed: a reply of ours, or a frame of API Gateway's own. Frames
   * are answered one at a time by the fuzzers, so the next one is the answer to what was just sent.
   */
  async nextReply(timeoutMs = 10_000): Promise<F> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.frames.length) {
        const frame = this.frames[this.cursor++] as F;
        const head = frame as Frame;
        if (head.type === 'reply' || head.message !== undefined) return frame;
      }
      if (!this.open) throw new Error(`the socket closed (${this.closeCode}) before a reply came`);
      if (Date.now() > deadline) throw new Error('no reply frame in time');
      await sleep(2);
    }
  }

  /** Skips everything received so far (events included) for nextReply. */
  skipAll(): void {
    this.cursor = this.frames.length;
  }

  /** The first frame received so far or within `timeoutMs` that matches. */
  async waitFor(match: (frame: F) => boolean, timeoutMs = 10_000): Promise<F> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching frame; last: ${JSON.stringify(this.frames.slice(-5))}`);
      await sleep(10);
    }
  }

  /** Waits for an event of this name whose data holds what `where` asks. */
  waitForEvent(
    name: string,
    where: (data: NonNullable<Frame['data']>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<F> {
    return this.waitFor((frame) => {
      const event = frame as Frame;
      return event.event === name && where(event.data ?? {});
    }, timeoutMs);
  }

  /** The events of this name received so far, in order; of one ticket only when `ticketId` is given. */
  events(name: string, ticketId?: string): F[] {
    return this.frames.filter((frame) => {
      const event = frame as Frame;
      return event.type === 'event' && event.event === name && (!ticketId || event.data?.ticketId === ticketId);
    });
  }

  /** Closes from the client side and waits for the closing handshake. */
  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((resolve) => this.socket.once('close', resolve));
    this.closedAt ??= Date.now();
    this.socket.close(1000);
    await closed;
  }

  /** Drops the TCP connection without a closing handshake, as a lost network does. */
  terminate(): void {
    this.closedAt ??= Date.now();
    this.socket.terminate();
  }
}

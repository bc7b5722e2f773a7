// Test-side helpers for the local gateway: a WebSocket client whose frames can be awaited one by one, handshake
// refusals, polling until something holds, and inline handlers that record the events they receive.
import { WebSocket } from 'ws';
import type { LambdaHandler, LoadHandler, LocalGateway, WebSocketEvent } from '../../infra/local/gateway';
import { eventsIn } from '../../shared/realtime/event-frames';

export interface Closure {
  code: number;
  reason: string;
}

export interface TestClient {
  socket: WebSocket;
  /** The gateway's id for this connection. */
  connectionId: string;
  /** The next text frame, parsed as JSON when it is JSON. */
  next(timeoutMs?: number): Promise<unknown>;
  send(frame: unknown): void;
  /** How the socket closed; fails if it is still open after `timeoutMs`. */
  closed(timeoutMs?: number): Promise<Closure>;
  /** Closes from the client side (1000) and waits for the closing handshake. */
  close(): Promise<Closure>;
}

/** Connects to the gateway and finds out the connection id it assigned (tests in a file run one at a time). */
export async function connectClient(
  gateway: LocalGateway,
  query = '',
  options: { origin?: string } = {},
): Promise<TestClient> {
  const before = new Set(gateway.connectionIds());
  const socket = new WebSocket(`${gateway.wsUrl}${query}`, options.origin ? { origin: options.origin } : {});
  const frames: string[] = [];
  const waiting: ((frame: string) => void)[] = [];
  socket.on('message', (data) => {
    // An `events` message stands for its events, one frame each, in order.
    const text = data.toString();
    let received = [text];
    try {
      received = eventsIn(JSON.parse(text)).map((frame) => (typeof frame === 'string' ? frame : JSON.stringify(frame)));
    } catch {
      // not JSON: kept as it came
    }
    for (const frame of received) {
      const waiter = waiting.shift();
      if (waiter) waiter(frame);
      else frames.push(frame);
    }
  });
  const closure = new Promise<Closure>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', () => {}); // how the socket ends is reported through `closed`
  const connectionId = gateway.connectionIds().find((id) => !before.has(id));
  if (!connectionId) throw new Error('the gateway accepted the socket but lists no new connection');
  return {
    socket,
    connectionId,
    closed: (timeoutMs = 2_000) => within(closure, timeoutMs, 'the socket to close'),
    next(timeoutMs = 2_000) {
      const queued = frames.shift();
      const frame =
        queued !== undefined
          ? Promise.resolve(queued)
          : new Promise<string>((resolve, reject) => {
              const timer = setTimeout(() => reject(new Error(`no frame within ${timeoutMs}ms`)), timeoutMs);
              waiting.push((value) => {
                clearTimeout(timer);
                resolve(value);
              });
            });
      return frame.then((text) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          return text;
        }
      });
    },
    send(frame) {
      socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    },
    close() {
      if (socket.readyState === WebSocket.OPEN) socket.close(1000);
      return within(closure, 2_000, 'the closing handshake');
    },
  };
}

function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`waited ${timeoutMs}ms for ${what}`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Opens a handshake that the gateway is expected to refuse, and returns the HTTP status it answered with. */
export function refusedStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => {
      socket.terminate();
      reject(new Error('the handshake was accepted'));
    });
    socket.on('error', () => {});
  });
}

/** Retries `check` until it stops throwing (and returns a truthy value), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 2_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      if (Date.now() > deadline) throw new Error(`still ${String(value)} after ${timeoutMs}ms`);
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface Invocation {
  entry: string;
  event: WebSocketEvent;
}

/**
 * A loadHandler whose handlers record each invocation. `respond` decides a handler's result (default: 200 with the
 * event's body echoed back as `{echo}`), so one table of inline handlers serves many tests.
 */
export function recordingHandlers(respond?: (entry: string, event: WebSocketEvent) => unknown): {
  loadHandler: LoadHandler;
  invocations: Invocation[];
} {
  const invocations: Invocation[] = [];
  const loadHandler: LoadHandler = async (entry) => {
    const handler: LambdaHandler = async (event) => {
      const wsEvent = event as WebSocketEvent;
      invocations.push({ entry, event: wsEvent });
      if (respond) return respond(entry, wsEvent);
      return { statusCode: 200, body: JSON.stringify({ echo: wsEvent.body ?? null }) };
    };
    return handler;
  };
  return { loadHandler, invocations };
}

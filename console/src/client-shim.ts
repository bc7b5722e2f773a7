// The operator protocol's client as the console uses it: requests matched by requestId, events (one or an `events`
// frame), reconnect with backoff and `sync` catch-up of watched tickets. Same shape as shared/protocol/client.ts.

export type ActionName = string;
// biome-ignore lint/suspicious/noExplicitAny: the shape of each action's input and reply is the server's
export type ActionInput<_A extends ActionName> = Record<string, any>;
// biome-ignore lint/suspicious/noExplicitAny: the shape of each action's input and reply is the server's
export type ActionReply<_A extends ActionName> = any;
export type EventType = string;
// biome-ignore lint/suspicious/noExplicitAny: events are typed by the server's documents
export type EventOf<_T extends EventType> = { type: 'event'; event: string; data: any };

export interface ConnectOptions {
  url: string;
  getConnectCode: () => Promise<string>;
  WebSocket?: typeof WebSocket;
  requestTimeoutMs?: number;
  backoff?: { initialMs: number; maxMs: number };
}
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface SwitchboardClient {
  request<A extends ActionName>(action: A, input: ActionInput<A>): Promise<ActionReply<A>>;
  on<T extends EventType>(type: T | '*', handler: (event: EventOf<T>) => void): () => void;
  onState(handler: (state: ConnectionState) => void): () => void;
  watchTicket(ticketId: string, lastSeq?: number): void;
  close(): void;
}

export class ProtocolError extends Error {
  code: string;
  retryAfterSeconds?: number;
  constructor(code: string, message: string, retryAfterSeconds?: number) {
    super(message);
    this.code = code;
    if (retryAfterSeconds !== undefined) this.retryAfterSeconds = retryAfterSeconds;
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export function connect(options: ConnectOptions): SwitchboardClient {
  const Socket = options.WebSocket ?? WebSocket;
  const timeoutMs = options.requestTimeoutMs ?? 15_000;
  const backoff = options.backoff ?? { initialMs: 500, maxMs: 15_000 };
  const pending = new Map<string, Pending>();
  const handlers = new Map<string, Set<(event: EventOf<string>) => void>>();
  const stateHandlers = new Set<(state: ConnectionState) => void>();
  // R2: the last seq seen per watched ticket; a reconnect asks `sync` for what came after it.
  const lastSeq = new Map<string, number>();
  let socket: WebSocket | undefined;
  let next = 0;
  let attempt = 0;
  let closed = false;
  let everOpen = false;

  const setState = (state: ConnectionState) => {
    for (const handler of stateHandlers) handler(state);
  };

  const dispatch = (event: EventOf<string>) => {
    const data = event.data ?? {};
    if (typeof data.ticketId === 'string' && typeof data.seq === 'number' && lastSeq.has(data.ticketId)) {
      lastSeq.set(data.ticketId, Math.max(lastSeq.get(data.ticketId) ?? 0, data.seq));
    }
    for (const key of [event.event, '*']) for (const handler of handlers.get(key) ?? []) handler(event);
  };

  const catchUp = async (ticketId: string) => {
    let afterSeq = lastSeq.get(ticketId) ?? 0;
    for (;;) {
      const page = await request('sync', { ticketId, afterSeq });
      for (const message of page.messages ?? []) {
        dispatch({ type: 'event', event: 'message.updated', data: { ticketId, seq: message.seq, message } });
      }
      dispatch({
        type: 'event',
        event: 'ticket.updated',
        data: { ticketId, seq: page.ticket.seq, ticket: page.ticket },
      });
      if (!page.more) return;
      afterSeq = page.nextAfterSeq;
    }
  };

  const open = async () => {
    setState(everOpen ? 'reconnecting' : 'connecting');
    let code: string;
    try {
      code = await options.getConnectCode();
    } catch {
      scheduleReconnect();
      return;
    }
    if (closed) return;
    const separator = options.url.includes('?') ? '&' : '?';
    const ws = new Socket(`${options.url}${separator}token=${encodeURIComponent(code)}`);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      const reconnected = everOpen;
      everOpen = true;
      setState('open');
      if (reconnected) for (const ticketId of lastSeq.keys()) void catchUp(ticketId).catch(() => undefined);
    };
    ws.onmessage = (message) => {
      let frame: { type?: string; requestId?: string; ok?: boolean; data?: unknown; error?: never; events?: never };
      try {
        frame = JSON.parse(String(message.data));
      } catch {
        return;
      }
      if (frame.type === 'reply' && frame.requestId) {
        const waiting = pending.get(frame.requestId);
        if (!waiting) return;
        pending.delete(frame.requestId);
        clearTimeout(waiting.timer);
        if (frame.ok) waiting.resolve(frame.data);
        else {
          const error = (frame.error ?? {}) as {
            code?: string;
            message?: string;
            details?: { retryAfterSeconds?: number };
          };
          waiting.reject(
            new ProtocolError(error.code ?? 'internal', error.message ?? 'Refused', error.details?.retryAfterSeconds),
          );
        }
      } else if (frame.type === 'events') {
        for (const event of (frame.events ?? []) as EventOf<string>[]) dispatch(event);
      } else if (frame.type === 'event') dispatch(frame as unknown as EventOf<string>);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = undefined;
      for (const [requestId, waiting] of pending) {
        clearTimeout(waiting.timer);
        waiting.reject(new ProtocolError('unavailable', 'The connection closed before the reply.'));
        pending.delete(requestId);
      }
      if (closed) setState('closed');
      else scheduleReconnect();
    };
  };

  const scheduleReconnect = () => {
    if (closed) return;
    setState('reconnecting');
    const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt);
    attempt++;
    setTimeout(() => void open(), delay * (0.75 + Math.random() * 0.5));
  };

  function request(action: string, input: Record<string, unknown>): Promise<ActionReply<string>> {
    return new Promise((resolve, reject) => {
      if (socket?.readyState !== 1) {
        reject(new ProtocolError('unavailable', 'Not connected; reconnecting.'));
        return;
      }
      const requestId = `c${++next}`;
      const timer = setTimeout(() => {
        pending.delete(requestId);
        reject(new ProtocolError('timeout', `No reply to ${action} within ${timeoutMs} ms.`));
      }, timeoutMs);
      pending.set(requestId, { resolve, reject, timer });
      socket.send(JSON.stringify({ ...input, action, requestId }));
    });
  }

  void open();
  return {
    request,
    on(type, handler) {
      const set = handlers.get(type) ?? new Set();
      handlers.set(type, set);
      set.add(handler as (event: EventOf<string>) => void);
      return () => set.delete(handler as (event: EventOf<string>) => void);
    },
    onState(handler) {
      stateHandlers.add(handler);
      return () => stateHandlers.delete(handler);
    },
    watchTicket(ticketId, seq) {
      lastSeq.set(ticketId, Math.max(lastSeq.get(ticketId) ?? 0, seq ?? 0));
    },
    close() {
      closed = true;
      socket?.close(1000);
    },
  };
}

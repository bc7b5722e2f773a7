// The typed WebSocket client for front ends (R1, R2, R4, R5), in the browser and in Node: requests matched to replies by
// requestId with a timeout, typed events in seq order, automatic reconnect with backoff and `sync` catch-up from the
// last seq per ticket, so no event is missed or delivered twice across a reconnect. No Node-only imports.
import type { ActionInput, ActionName } from './actions';
import type { EventDataOf, EventType } from './events';
import { eventsIn, TICKET_SEQ_EVENTS } from './frames';
import type { ActionReply } from './replies';

/** A listener property; declared through a method so the browser's and `ws`'s narrower event types both fit. */
type Listener<E> = { listen(event: E): void }['listen'];

/** What the client needs of a WebSocket: the browser's `WebSocket` and the `ws` package's both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Listener<unknown> | null;
  onmessage: Listener<{ data: unknown }> | null;
  onclose: Listener<{ code: number; reason: string }> | null;
  onerror: Listener<unknown> | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface ConnectOptions {
  /** The WebSocket API URL (`wss://…/live`, or the local stack's `ws://127.0.0.1:…/local`). */
  url: string;
  /**
   * Fetches a one-time connect code (`POST /auth/connect-code` with the operator's access token), once per (re)connect;
   * the client connects to `<url>?token=<code>`. Widget visitors return their visitor token.
   */
  getConnectCode: () => Promise<string>;
  /** The WebSocket constructor; defaults to the global one (browsers, Node 22+). Node 20 passes `ws`'s. */
  WebSocket?: WebSocketConstructor;
  /** A request with no reply within this long rejects with `ProtocolError('timeout')`. Default 10000. */
  requestTimeoutMs?: number;
  /** Reconnect delays: doubling from `initialMs` up to `maxMs`, each between half and all of it. */
  backoff?: { initialMs: number; maxMs: number };
  /** Tickets tracked for catch-up at most (least recently active dropped first). Default 500. */
  maxTrackedTickets?: number;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** An event as handlers receive it; `synced` marks one made from a `sync` reply after a reconnect. */
export type EventOf<T extends EventType> = {
  [K in T]: { type: 'event'; event: K; data: EventDataOf<K>; synced?: true };
}[T];

export interface SwitchboardClient {
  /** Sends `{action, requestId, ...input}`; resolves with the reply's data, rejects with ProtocolError. */
  request<A extends ActionName>(action: A, input: ActionInput<A>): Promise<ActionReply<A>>;
  /** Typed events (`'*'` for all), each ticket's in seq order; returns the unsubscribe. */
  on<T extends EventType>(type: T | '*', handler: (event: EventOf<T>) => void): () => void;
  onState(handler: (state: ConnectionState) => void): () => void;
  /**
   * Tracks a ticket for catch-up: `lastSeq` is the seq the caller has everything up to (from `ticket.get`, `history`
   * or `sync`); when given and the connection is open, what changed after it is fetched at once. Tickets the client
   * sees events for are tracked anyway.
   */
  watchTicket(ticketId: string, lastSeq?: number): void;
  /** The connection's state now. */
  readonly state: ConnectionState;
  close(): void;
}

/**
 * A refused request: the reply's error code (`invalid`, `forbidden`, `conflict`, `rate_limited` …) and message, or a
 * client-side code: `timeout` (no reply in time), `disconnected` (the socket dropped before the reply; the action may
 * or may not have been done), `closed` (the client was closed).
 */
export class ProtocolError extends Error {
  readonly code: string;
  /** `rate_limited`: when the same request would be admitted. */
  readonly retryAfterSeconds?: number;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    if (details) this.details = details;
    const retryAfter = details?.retryAfterSeconds;
    if (typeof retryAfter === 'number') this.retryAfterSeconds = retryAfter;
  }
}

const OPEN = 1;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 15_000 };
/** Keys of events already handed out above a ticket's covered seq, kept per ticket at most this many. */
const SEEN_PER_TICKET = 500;
/** Tickets caught up at once after a reconnect: well within an operator connection's burst of actions (R5). */
const CATCH_UP_CONCURRENCY = 4;
const seqEvents = new Set<string>(TICKET_SEQ_EVENTS);

interface Pending {
  resolve: (data: unknown) => void;
  reject: (error: ProtocolError) => void;
  timer: ReturnType<typeof setTimeout>;
  /** The frame, until it is sent (requests wait for an open socket). */
  frame?: string;
}

/** What the client knows of a ticket's events (R4). */
interface TicketTrack {
  /** The highest seq handed out: the next catch-up asks `sync` for what came after it. */
  lastSeq: number;
  /** Everything up to this seq is known (a sync said so, or the caller did): a live event at or below it is old. */
  covered: number;
  /** `seq|subject` of events handed out above `covered`, so a live event a sync already gave is dropped. */
  seen: Set<string>;
  /** While a catch-up is due or runs, live events wait here and go out after it, through the same check. */
  held?: RawEvent[];
  /** A catch-up is due from this seq (set when a connection opens, or by `watchTicket`); cleared once it is done. */
  catchUpFrom?: number;
  /** Its catch-up is running now (so no second one starts beside it). */
  syncing?: boolean;
  /** After a late reply, its catch-up waits until then (Date.now()) rather than being tried again at once. */
  retryAt?: number;
}

interface RawEvent {
  type: 'event';
  event: string;
  data: Record<string, unknown>;
  synced?: true;
}

/** What one event changed of its ticket: the ticket itself, a message (by id), or a tagging. */
function subjectOf(event: RawEvent): string {
  const data = event.data;
  if (event.event.startsWith('ticket.')) return 'ticket';
  if (event.event === 'message.tagged') return 'tagged';
  const message = data.message as { messageId?: unknown } | undefined;
  return `m:${String(message?.messageId ?? data.messageId ?? '')}`;
}

function ticketSeqOf(event: RawEvent): { ticketId: string; seq: number } | undefined {
  const { ticketId, seq } = event.data ?? {};
  if (!seqEvents.has(event.event) || typeof ticketId !== 'string' || typeof seq !== 'number') return undefined;
  return { ticketId, seq };
}

export function connect(options: ConnectOptions): SwitchboardClient {
  const Socket: WebSocketConstructor | undefined =
    options.WebSocket ?? (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!Socket) throw new Error('No WebSocket here: pass one as options.WebSocket (in Node 20, `ws`).');
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const maxTracked = options.maxTrackedTickets ?? 500;

  let state: ConnectionState = 'connecting';
  let socket: WebSocketLike | undefined;
  let attempt = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let opened = false;
  let nextId = 0;
  const idPrefix = Math.random().toString(36).slice(2, 8);
  const pending = new Map<string, Pending>();
  const handlers = new Map<string, Set<(event: RawEvent) => void>>();
  const stateHandlers = new Set<(state: ConnectionState) => void>();
  const tracks = new Map<string, TicketTrack>();

  // Read through a function: `close()` may change the state while a connect code is being fetched.
  const isClosed = () => state === 'closed';

  function setState(next: ConnectionState) {
    if (state === next) return;
    state = next;
    for (const handler of [...stateHandlers]) handler(next);
  }

  function emit(event: RawEvent) {
    for (const key of [event.event, '*']) {
      for (const handler of [...(handlers.get(key) ?? [])]) handler(event);
    }
  }

  function track(ticketId: string): TicketTrack {
    let found = tracks.get(ticketId);
    if (found) {
      // Most recently active last, so the least active is dropped first.
      tracks.delete(ticketId);
    } else {
      found = { lastSeq: 0, covered: -1, seen: new Set() };
      if (tracks.size >= maxTracked) {
        const oldest = tracks.keys().next().value;
        if (oldest !== undefined) tracks.delete(oldest);
      }
    }
    tracks.set(ticketId, found);
    return found;
  }

  /** R4: hands an event out unless it is one already given (same ticket, seq and subject) or older than a sync. */
  function admit(ticket: TicketTrack, event: RawEvent, seq: number) {
    if (seq <= ticket.covered) return;
    const key = `${seq}|${subjectOf(event)}`;
    if (ticket.seen.has(key)) return;
    ticket.seen.add(key);
    if (ticket.seen.size > SEEN_PER_TICKET) {
      const oldest = ticket.seen.values().next().value;
      if (oldest !== undefined) ticket.seen.delete(oldest);
    }
    ticket.lastSeq = Math.max(ticket.lastSeq, seq);
    emit(event);
  }

  function receiveEvent(event: RawEvent) {
    const at = ticketSeqOf(event);
    if (!at) {
      emit(event);
      return;
    }
    const ticket = track(at.ticketId);
    if (ticket.held) ticket.held.push(event);
    else admit(ticket, event, at.seq);
  }

  function cover(ticket: TicketTrack, seq: number) {
    if (seq <= ticket.covered) return;
    ticket.covered = seq;
    ticket.lastSeq = Math.max(ticket.lastSeq, seq);
    for (const key of ticket.seen) if (Number(key.slice(0, key.indexOf('|'))) <= seq) ticket.seen.delete(key);
  }

  /** Fetches what changed after the ticket's last seq, hands it out, then the live events that waited meanwhile. */
  async function catchUp(ticketId: string, ticket: TicketTrack): Promise<'done' | 'again'> {
    const from = ticket.catchUpFrom ?? ticket.lastSeq;
    try {
      let afterSeq = from;
      for (;;) {
        let reply: ActionReply<'sync'>;
        try {
          reply = await request('sync', { ticketId, afterSeq });
        } catch (error) {
          if (error instanceof ProtocolError && error.code === 'rate_limited' && state === 'open') {
            await new Promise((resolve) => setTimeout(resolve, (error.retryAfterSeconds ?? 1) * 1000));
            continue;
          }
          throw error;
        }
        // The ticket was read before its messages, so the reply may hold messages of changes newer than the ticket it
        // gives: only those up to the ticket's seq go out now; newer ones come in the next round, with a newer ticket,
        // so the ticket's own events and its messages stay in seq order (R4).
        const upTo = reply.ticket.seq;
        for (const message of reply.messages) {
          if (message.seq > upTo) break;
          const event: RawEvent = {
            type: 'event',
            event: 'message.created',
            data: { ticketId, seq: message.seq, message },
            synced: true,
          };
          admit(ticket, event, message.seq);
        }
        const last = reply.messages.at(-1)?.seq ?? afterSeq;
        if (reply.more || last > upTo) {
          afterSeq = Math.min(reply.nextAfterSeq ?? last, last, upTo);
          continue;
        }
        if (reply.ticket.seq > from) {
          const event: RawEvent = {
            type: 'event',
            event: 'ticket.updated',
            data: { ticketId, seq: reply.ticket.seq, ticket: reply.ticket },
            synced: true,
          };
          admit(ticket, event, reply.ticket.seq);
        }
        // Every change up to the ticket's seq is in what came back.
        cover(ticket, reply.ticket.seq);
        break;
      }
    } catch (error) {
      // The socket dropped or the reply was late: the catch-up stays due (its events held) for the next connection.
      if (!(error instanceof ProtocolError) || ['disconnected', 'closed', 'timeout'].includes(error.code))
        return 'again';
      // Not visible any more (X1), or gone: stop tracking it.
      tracks.delete(ticketId);
    }
    ticket.catchUpFrom = undefined;
    const held = ticket.held ?? [];
    ticket.held = undefined;
    for (const event of held) {
      const at = ticketSeqOf(event);
      if (at) admit(ticket, event, at.seq);
    }
    return 'done';
  }

  /** Marks every tracked ticket for catch-up from its last seq; their live events wait until it is done. */
  function catchUpDue() {
    for (const ticket of tracks.values()) {
      // A ticket only named to watchTicket, with no seq and no event yet, has nothing to catch up from.
      if (ticket.lastSeq === 0 && ticket.covered < 0) continue;
      ticket.catchUpFrom = Math.min(ticket.catchUpFrom ?? ticket.lastSeq, ticket.lastSeq);
      ticket.held ??= [];
      ticket.retryAt = undefined;
    }
  }

  /** Catch-ups running side by side: a ticket's held live events wait for its own sync only, not for every other's. */
  let catchUpWorkers = 0;
  function catchUpAll() {
    // Counted first: a worker with nothing to do ends (and counts itself out) before this loop goes on.
    const starting = CATCH_UP_CONCURRENCY - catchUpWorkers;
    for (let i = 0; i < starting; i++) {
      catchUpWorkers += 1;
      void catchUpWorker();
    }
  }

  async function catchUpWorker() {
    // A few tickets at a time, so a reconnect with many tickets stays within the connection's action rate (R5); one
    // that is refused for rate waits its retryAfterSeconds inside its catch-up. The count drops in the same step as
    // the last look for due work (no await between), so a ticket made due just after always finds a worker.
    try {
      for (;;) {
        if (state !== 'open') return;
        const now = Date.now();
        const next = [...tracks].find(
          ([, ticket]) => ticket.catchUpFrom !== undefined && !ticket.syncing && (ticket.retryAt ?? 0) <= now,
        );
        if (!next) return;
        const [ticketId, ticket] = next;
        ticket.syncing = true;
        let outcome: 'done' | 'again';
        try {
          outcome = await catchUp(ticketId, ticket);
        } finally {
          ticket.syncing = false;
        }
        if (outcome === 'again') {
          // A late reply on an open socket: try again shortly; a dropped socket: the next connection does.
          ticket.retryAt = Date.now() + backoff.initialMs;
          if (state === 'open') setTimeout(() => catchUpAll(), backoff.initialMs);
        }
      }
    } finally {
      catchUpWorkers -= 1;
    }
  }

  function receive(raw: unknown) {
    let frame: unknown;
    try {
      frame = JSON.parse(typeof raw === 'string' ? raw : String(raw));
    } catch {
      return;
    }
    for (const item of eventsIn(frame as Record<string, unknown>)) {
      const message = item as { type?: unknown; requestId?: unknown; ok?: unknown; data?: unknown; error?: unknown };
      if (message?.type === 'reply') {
        const waiting = typeof message.requestId === 'string' ? pending.get(message.requestId) : undefined;
        if (!waiting) continue;
        pending.delete(message.requestId as string);
        clearTimeout(waiting.timer);
        if (message.ok === true) waiting.resolve(message.data);
        else {
          const error = (message.error ?? {}) as { code?: string; message?: string; details?: Record<string, unknown> };
          waiting.reject(new ProtocolError(error.code ?? 'internal', error.message ?? 'Refused.', error.details));
        }
      } else if (message?.type === 'event' && typeof (message as RawEvent).event === 'string') {
        receiveEvent({ ...(message as RawEvent), data: ((message as RawEvent).data ?? {}) as Record<string, unknown> });
      }
    }
  }

  function flushQueued() {
    for (const entry of pending.values()) {
      if (entry.frame !== undefined && socket?.readyState === OPEN) {
        socket.send(entry.frame);
        entry.frame = undefined;
      }
    }
  }

  function dropInFlight() {
    for (const [id, entry] of pending) {
      if (entry.frame !== undefined) continue; // not sent yet: it goes on the next connection
      pending.delete(id);
      clearTimeout(entry.timer);
      entry.reject(new ProtocolError('disconnected', 'The connection dropped before the reply came.'));
    }
  }

  function scheduleReconnect() {
    if (state === 'closed') return;
    setState(opened ? 'reconnecting' : 'connecting');
    const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt);
    attempt += 1;
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    reconnectTimer = setTimeout(() => void open(), delay);
  }

  async function open() {
    reconnectTimer = undefined;
    if (state === 'closed') return;
    let code: string;
    try {
      code = await options.getConnectCode();
    } catch {
      scheduleReconnect();
      return;
    }
    if (isClosed()) return;
    const url = `${options.url}${options.url.includes('?') ? '&' : '?'}token=${encodeURIComponent(code)}`;
    let current: WebSocketLike;
    try {
      current = new (Socket as WebSocketConstructor)(url);
    } catch {
      scheduleReconnect();
      return;
    }
    socket = current;
    current.onopen = () => {
      if (socket !== current) return;
      attempt = 0;
      const again = opened;
      opened = true;
      setState('open');
      flushQueued();
      // Every ticket known (seen before a drop, or passed to watchTicket before the first open) is caught up.
      if (again) catchUpDue();
      catchUpAll();
    };
    current.onmessage = (event) => {
      if (socket === current) receive(event.data);
    };
    current.onerror = () => {};
    current.onclose = () => {
      if (socket !== current) return;
      socket = undefined;
      dropInFlight();
      scheduleReconnect();
    };
  }

  function request<A extends ActionName>(action: A, input: ActionInput<A>): Promise<ActionReply<A>> {
    if (state === 'closed') return Promise.reject(new ProtocolError('closed', 'The client is closed.'));
    const requestId = `${idPrefix}-${++nextId}`;
    return new Promise<ActionReply<A>>((resolve, reject) => {
      const entry: Pending = {
        resolve: resolve as (data: unknown) => void,
        reject,
        timer: setTimeout(() => {
          pending.delete(requestId);
          reject(new ProtocolError('timeout', `No reply to ${action} within ${timeoutMs} ms.`));
        }, timeoutMs),
        frame: JSON.stringify({ ...(input as object), action, requestId }),
      };
      pending.set(requestId, entry);
      flushQueued();
    });
  }

  void open();

  return {
    request,
    on(type, handler) {
      const set = handlers.get(type) ?? new Set();
      handlers.set(type, set);
      const wrapped = handler as unknown as (event: RawEvent) => void;
      set.add(wrapped);
      return () => {
        set.delete(wrapped);
      };
    },
    onState(handler) {
      stateHandlers.add(handler);
      return () => {
        stateHandlers.delete(handler);
      };
    },
    watchTicket(ticketId, lastSeq) {
      const ticket = track(ticketId);
      if (lastSeq === undefined) return;
      if (lastSeq > ticket.covered) {
        const from = Math.max(lastSeq, ticket.lastSeq);
        cover(ticket, lastSeq);
        ticket.lastSeq = from;
      }
      ticket.catchUpFrom = Math.min(ticket.catchUpFrom ?? ticket.lastSeq, ticket.lastSeq);
      ticket.held ??= [];
      if (state === 'open') catchUpAll();
    },
    get state() {
      return state;
    },
    close() {
      if (state === 'closed') return;
      setState('closed');
      if (reconnectTimer) clearTimeout(reconnectTimer);
      for (const entry of pending.values()) {
        clearTimeout(entry.timer);
        entry.reject(new ProtocolError('closed', 'The client was closed.'));
      }
      pending.clear();
      socket?.close(1000);
      socket = undefined;
    },
  };
}

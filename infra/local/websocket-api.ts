// The local WebSocket API: accepts a connection only after the authorizer step and a 2xx from $connect, routes each
// text message on its `action` (WS_ROUTE_SELECTION), sends route responses, enforces API Gateway's limits and calls
// $disconnect once per connection, however it ends.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { ServedWebSocketRoute as WebSocketRoute } from '../routes';
import {
  type AuthorizerContext,
  apiGatewayId,
  connectEvent,
  disconnectEvent,
  messageEvent,
  type WebSocketHandshake,
} from './api-gateway-events';
import type { Invoke } from './lambda-runtime';
import { watchFrameSizes } from './websocket-frames';

/** API Gateway's WebSocket quotas; tests shrink them. */
export interface GatewayLimits {
  /** A whole message, possibly split over frames; bigger closes the connection with 1009. Also caps @connections posts. */
  maxMessageBytes: number;
  /** One frame; bigger closes the connection with 1009 (browsers never fragment, so for them this is the message cap). */
  maxFrameBytes: number;
  /** No message in either direction for this long closes the connection with 1001. */
  idleTimeoutMs: number;
  /** Every connection is closed with 1001 after this long, active or not. */
  maxConnectionMs: number;
}

export const API_GATEWAY_LIMITS: GatewayLimits = {
  maxMessageBytes: 128 * 1024,
  maxFrameBytes: 32 * 1024,
  idleTimeoutMs: 10 * 60 * 1000,
  maxConnectionMs: 2 * 60 * 60 * 1000,
};

/** What the REQUEST authorizer step decided for a handshake; `context` becomes every event's requestContext.authorizer. */
export type ConnectAuthorization =
  | { allowed: true; context: AuthorizerContext }
  | { allowed: false; statusCode: 401 | 403 | 500 };

/**
 * The REQUEST authorizer step that runs before $connect. The gateway's default invokes the route table's
 * `webSocketAuthorizer` (infra/local/authorizers.ts); API Gateway answers a Deny with 403 and an `Unauthorized` error
 * with 401, and never invokes $connect for a refused handshake.
 */
export type AuthorizeConnect = (handshake: WebSocketHandshake) => Promise<ConnectAuthorization>;

/** For gateways under test with inline handlers: every handshake through with an empty context. */
export const allowEveryConnection: AuthorizeConnect = async () => ({ allowed: true, context: {} });

/** If a client never answers our close frame, drop the TCP connection after this long instead of ws's 30 s. */
const CLOSE_GRACE_MS = 1_000;
/** Real API Gateway puts this in disconnectReason when the client's close frame carries no status (1005). */
const NO_STATUS_REASON = 'Client-side close frame status not set';

/** One open connection: its handshake, its authorizer context, and the idle and lifetime clocks. */
export class LiveConnection {
  lastActiveAt: number;
  /** Set once the gateway has started closing (limits, DELETE, shutdown); later messages from the client are dropped. */
  closing = false;
  /** The status and reason $disconnect reports when the gateway, not the client, ended the connection. */
  closeCode: number | undefined;
  closeReason: string | undefined;
  readonly closed: Promise<void>;
  private readonly idleTimer: NodeJS.Timeout;
  private readonly lifetimeTimer: NodeJS.Timeout;

  constructor(
    readonly handshake: WebSocketHandshake,
    readonly authorizer: AuthorizerContext,
    readonly socket: WebSocket,
    limits: GatewayLimits,
  ) {
    this.lastActiveAt = Date.now();
    this.idleTimer = setTimeout(() => this.close(1001, 'Going away'), limits.idleTimeoutMs).unref();
    this.lifetimeTimer = setTimeout(() => this.close(1001, 'Going away'), limits.maxConnectionMs).unref();
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  get id(): string {
    return this.handshake.connectionId;
  }

  get open(): boolean {
    return !this.closing && this.socket.readyState === WebSocket.OPEN;
  }

  /**
   * A message in either direction restarts the idle clock: API Gateway counts messages it sends to the client too,
   * which is why server-side keep-alive messages work. Control frames (ping/pong) are not counted.
   */
  touch(): void {
    this.lastActiveAt = Date.now();
    this.idleTimer.refresh();
  }

  /** Sends a text frame; false when the connection is no longer open. */
  send(data: string | Buffer): boolean {
    if (!this.open) return false;
    this.socket.send(data, { binary: false });
    this.touch();
    return true;
  }

  close(code: number, reason: string): void {
    if (this.closing) return;
    this.failed(code, reason);
    this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** Records a close that `ws` starts itself (oversized message, invalid UTF-8), so $disconnect reports its code. */
  failed(code: number, reason: string): void {
    this.closing = true;
    this.closeCode ??= code;
    this.closeReason ??= reason;
  }

  stopClocks(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.lifetimeTimer);
  }
}

export interface WebSocketApiOptions {
  routes: readonly WebSocketRoute[];
  invoke: Invoke;
  stage: string;
  limits: GatewayLimits;
  authorizeConnect: AuthorizeConnect;
  log: (line: string) => void;
}

export interface WebSocketApi {
  /** Route keys in table order: what this API routes to, and nothing else. */
  routeKeys: readonly string[];
  /** The 'upgrade' listener of the WebSocket port's HTTP server. */
  upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  find(connectionId: string): LiveConnection | undefined;
  connectionIds(): string[];
  /** Closes every connection with 1001 and waits for their $disconnect and every other running invocation. */
  close(): Promise<void>;
}

/** `ws` reports why it gave up on a client; map that to the close code the client was sent. */
function closeCodeOf(error: Error & { code?: string }): { code: number; reason: string } {
  if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return { code: 1009, reason: 'Message too big' };
  if (error.code === 'WS_ERR_INVALID_UTF8') return { code: 1007, reason: 'Invalid frame payload data' };
  return { code: 1002, reason: 'Protocol error' };
}

function bufferOf(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

function statusCodeOf(result: unknown): number {
  const statusCode = (result as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof statusCode === 'number' ? statusCode : 200;
}

function headerOf(result: unknown, name: string): string | undefined {
  const headers = (result as { headers?: Record<string, unknown> } | null | undefined)?.headers ?? {};
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return found === undefined ? undefined : String(found[1]);
}

/** A route response carries the `body` of the handler's result; anything else sends nothing. */
function replyBodyOf(result: unknown): string | undefined {
  const body = (result as { body?: unknown } | null | undefined)?.body;
  return typeof body === 'string' ? body : undefined;
}

/** Writes a plain HTTP answer on a socket whose upgrade is refused. */
function refuse(socket: Duplex, statusCode: number, body = ''): void {
  if (socket.destroyed) return;
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${statusCode} ${http.STATUS_CODES[statusCode] ?? ''}\r\n` +
      'Connection: close\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function isWebSocketHandshake(request: http.IncomingMessage): boolean {
  return (
    request.method === 'GET' &&
    request.headers.upgrade?.toLowerCase() === 'websocket' &&
    typeof request.headers['sec-websocket-key'] === 'string' &&
    request.headers['sec-websocket-version'] === '13'
  );
}

const HOP_BY_HOP = new Set(['connection', 'upgrade']);

function describeHandshake(request: http.IncomingMessage, stage: string, query: URLSearchParams): WebSocketHandshake {
  const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  const add = (name: string, value: string) => {
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  };
  for (let index = 0; index + 1 < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index] as string;
    if (!HOP_BY_HOP.has(name.toLowerCase())) add(name, request.rawHeaders[index + 1] as string);
  }
  const has = (name: string) => Object.keys(headers).some((key) => key.toLowerCase() === name.toLowerCase());
  if (!has('X-Forwarded-For')) add('X-Forwarded-For', sourceIp);
  if (!has('X-Forwarded-Port')) add('X-Forwarded-Port', String(request.socket.localPort ?? ''));
  if (!has('X-Forwarded-Proto')) add('X-Forwarded-Proto', 'http');
  const host = request.headers.host ?? 'localhost';
  const userAgent = request.headers['user-agent'];
  return {
    connectionId: apiGatewayId(),
    connectedAt: Date.now(),
    stage,
    host,
    domainName: host.replace(/:\d+$/, ''),
    identity: { sourceIp, ...(userAgent ? { userAgent } : {}) },
    headers,
    multiValueHeaders,
    query,
  };
}

export function createWebSocketApi(options: WebSocketApiOptions): WebSocketApi {
  const { invoke, limits, log, stage } = options;
  const routes = new Map(options.routes.map((route) => [route.routeKey, route]));
  const connections = new Map<string, LiveConnection>();
  const inFlight = new Set<Promise<unknown>>();
  /** The subprotocol $connect chose (its Sec-WebSocket-Protocol header), per pending handshake. */
  const chosenProtocols = new WeakMap<http.IncomingMessage, string>();
  let shuttingDown = false;

  const server = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    // API Gateway negotiates no extensions; without compression the frame watcher reads true payload sizes.
    perMessageDeflate: false,
    maxPayload: limits.maxMessageBytes,
    // As in API Gateway, a requested subprotocol is accepted only if $connect names it in its response headers.
    handleProtocols: (_protocols, request) => chosenProtocols.get(request) ?? false,
  });

  const track = (work: Promise<unknown>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  async function upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const started = Date.now();
    const [path = '/', rawQuery = ''] = (request.url ?? '/').split(/\?(.*)/s);
    if (shuttingDown) return refuse(socket, 503);
    if (path !== `/${stage}` && path !== `/${stage}/`) return refuse(socket, 403, '{"message":"Forbidden"}');
    if (!isWebSocketHandshake(request)) return refuse(socket, 400);
    const handshake = describeHandshake(request, stage, new URLSearchParams(rawQuery));
    const logConnect = (status: number | string) =>
      log(`WS $connect ${handshake.connectionId} ${status} ${Date.now() - started}ms`);

    let authorization: ConnectAuthorization;
    try {
      authorization = await options.authorizeConnect(handshake);
    } catch (error) {
      log(`WS authorizer failed: ${error instanceof Error ? error.stack : String(error)}`);
      authorization = { allowed: false, statusCode: 500 };
    }
    if (!authorization.allowed) {
      logConnect(authorization.statusCode);
      return refuse(socket, authorization.statusCode);
    }

    const connectRoute = routes.get('$connect');
    let result: unknown;
    if (connectRoute) {
      try {
        result = await invoke(connectRoute.entry, connectEvent(handshake, authorization.context, new Date(started)));
      } catch (error) {
        log(`WS $connect handler failed: ${error instanceof Error ? error.stack : String(error)}`);
        logConnect(500);
        return refuse(socket, 500, '{"message":"Internal server error"}');
      }
    }
    const statusCode = statusCodeOf(result);
    if (statusCode < 200 || statusCode > 299) {
      logConnect(statusCode);
      return refuse(socket, statusCode, replyBodyOf(result));
    }
    if (socket.destroyed || !socket.writable || shuttingDown) {
      // The client left while $connect ran; $connect may have recorded it, so let $disconnect forget it.
      logConnect('abandoned');
      if (!socket.destroyed) socket.destroy();
      return runDisconnect(handshake, authorization.context, 1006, '');
    }
    const protocol = headerOf(result, 'sec-websocket-protocol');
    if (protocol) chosenProtocols.set(request, protocol);
    server.handleUpgrade(request, socket, head, (webSocket) => {
      adopt(webSocket, socket, handshake, authorization.context);
      logConnect(statusCode);
    });
  }

  function adopt(webSocket: WebSocket, socket: Duplex, handshake: WebSocketHandshake, authorizer: AuthorizerContext) {
    const connection = new LiveConnection(handshake, authorizer, webSocket, limits);
    connections.set(connection.id, connection);
    const stopWatching = watchFrameSizes(socket, limits.maxFrameBytes, () => connection.close(1009, 'Message too big'));
    webSocket.on('message', (data, isBinary) => receive(connection, data, isBinary));
    webSocket.on('error', (error) => {
      const { code, reason } = closeCodeOf(error);
      connection.failed(code, reason);
    });
    webSocket.once('close', (code, reason) => {
      stopWatching();
      connection.stopClocks();
      connections.delete(connection.id);
      const statusCode = connection.closeCode ?? code;
      const text = connection.closeReason ?? (reason.toString() || (code === 1005 ? NO_STATUS_REASON : ''));
      track(runDisconnect(handshake, authorizer, statusCode, text));
    });
  }

  function receive(connection: LiveConnection, data: RawData, isBinary: boolean): void {
    if (connection.closing) return;
    connection.touch();
    if (isBinary) {
      // API Gateway does not accept binary frames: it disconnects the client with 1003.
      connection.close(1003, 'Binary frames are not supported');
      return;
    }
    // Lambda invocations for one connection run concurrently, as they do in AWS: no per-connection queue.
    track(dispatch(connection, bufferOf(data).toString('utf8')));
  }

  /** `$request.body.action`: a route named by the action, else $default; `$`-keys are never selectable by a message. */
  function selectRoute(body: string): string {
    let action: unknown;
    try {
      action = (JSON.parse(body) as { action?: unknown } | null)?.action;
    } catch {
      return '$default';
    }
    return typeof action === 'string' && !action.startsWith('$') && routes.has(action) ? action : '$default';
  }

  async function dispatch(connection: LiveConnection, body: string): Promise<void> {
    const started = Date.now();
    const routeKey = selectRoute(body);
    const route = routes.get(routeKey);
    const event = messageEvent(connection.handshake, connection.authorizer, routeKey, body, new Date(started));
    const { requestId } = event.requestContext;
    if (!route) {
      // No matching route and no $default: API Gateway answers with this frame and invokes nothing.
      connection.send(JSON.stringify({ message: 'Forbidden', connectionId: connection.id, requestId }));
      log(`WS ${routeKey} ${connection.id} no route ${Date.now() - started}ms`);
      return;
    }
    try {
      const result = await invoke(route.entry, event);
      const reply = route.replies ? replyBodyOf(result) : undefined;
      if (reply !== undefined) connection.send(reply);
      log(`WS ${routeKey} ${connection.id} ${statusCodeOf(result)} ${Date.now() - started}ms`);
    } catch (error) {
      log(`WS ${routeKey} ${connection.id} failed: ${error instanceof Error ? error.stack : String(error)}`);
      connection.send(JSON.stringify({ message: 'Internal server error', connectionId: connection.id, requestId }));
    }
  }

  async function runDisconnect(
    handshake: WebSocketHandshake,
    authorizer: AuthorizerContext,
    statusCode: number,
    reason: string,
  ): Promise<void> {
    const route = routes.get('$disconnect');
    if (!route) return;
    const started = Date.now();
    try {
      await invoke(route.entry, disconnectEvent(handshake, authorizer, statusCode, reason, new Date(started)));
      log(`WS $disconnect ${handshake.connectionId} ${statusCode} ${Date.now() - started}ms`);
    } catch (error) {
      log(`WS $disconnect ${handshake.connectionId} failed: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }

  return {
    routeKeys: [...routes.keys()],
    upgrade(request, socket, head) {
      // A client resetting mid-handshake must not take the gateway down.
      socket.on('error', () => socket.destroy());
      track(upgrade(request, socket, head));
    },
    find: (connectionId) => connections.get(connectionId),
    connectionIds: () => [...connections.keys()],
    async close() {
      shuttingDown = true;
      const open = [...connections.values()];
      for (const connection of open) connection.close(1001, 'Going away');
      await Promise.all(open.map((connection) => connection.closed));
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
  };
}

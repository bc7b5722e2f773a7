// The one route table: every HTTP route, WebSocket route and schedule with its handler entry.
// The CDK stack and the local gateway are both generated from it.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRoute {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `/tickets/{ticketId}`. */
  readonly path: string;
  /** Handler entry, relative to the repository root; the module exports `handler`. */
  readonly entry: string;
}

export interface WebSocketRoute {
  /** `$connect`, `$disconnect`, `$default` or an action name (route selection: `$request.body.action`). */
  readonly routeKey: string;
  readonly entry: string;
  /** The handler's return value is sent back to the caller as the route response (R1 reply frames). */
  readonly replies: boolean;
}

export interface Schedule {
  readonly name: string;
  /** Run every N minutes (EventBridge rate expression). */
  readonly everyMinutes: number;
  readonly entry: string;
}

export const WS_ROUTE_SELECTION = '$request.body.action';

export const httpRoutes: readonly HttpRoute[] = [{ method: 'GET', path: '/health', entry: 'functions/http/health.ts' }];

export const webSocketRoutes: readonly WebSocketRoute[] = [
  { routeKey: '$connect', entry: 'functions/ws/connect.ts', replies: false },
  { routeKey: '$disconnect', entry: 'functions/ws/disconnect.ts', replies: false },
  { routeKey: '$default', entry: 'functions/ws/unknown-action.ts', replies: true },
  // ping answers through the management API (the push path), so a front end can check end-to-end delivery.
  { routeKey: 'ping', entry: 'functions/ws/ping.ts', replies: false },
];

export const schedules: readonly Schedule[] = [
  { name: 'timers', everyMinutes: 1, entry: 'functions/scheduled/timers.ts' },
];

/** Every distinct handler entry: one Lambda function each. */
export function handlerEntries(): string[] {
  return [...new Set([...httpRoutes, ...webSocketRoutes, ...schedules].map((route) => route.entry))];
}

/** A stable construct id for an entry: `functions/ws/connect.ts` → `WsConnect`. */
export function functionIdOf(entry: string): string {
  return entry
    .replace(/^functions\//, '')
    .replace(/\.ts$/, '')
    .split(/[/-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

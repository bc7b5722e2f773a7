// The one route table: every HTTP route, WebSocket route and schedule with its handler entry.
// The CDK stack and the local gateway are both generated from it.

import { OPERATOR_ACTION_NAMES } from '../shared/use-cases/operator-actions';
import { VISITOR_ACTION_NAMES } from '../shared/use-cases/visitor-chat';
import { operatorHttpActions } from './operator-http-routes';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRoute {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `/tickets/{ticketId}`. */
  readonly path: string;
  /** Handler entry, relative to the repository root; the module exports `handler`. */
  readonly entry: string;
  /**
   * 'operator': behind the JWT authorizer (an operator access token in `Authorization: Bearer …`); the handler gets
   * the verified claims. 'none': public (health, webhooks, widget sessions); such a handler authenticates itself.
   */
  readonly auth: 'operator' | 'none';
}

/**
 * HTTP handler entries that post to WebSocket connections (events, closing sockets), so their functions are granted
 * the management API. Every WebSocket route and schedule may push as well.
 */
export const httpEntriesThatPush: readonly string[] = [
  'functions/http/operator-api.ts',
  'functions/http/channel-webhook.ts',
  'functions/http/admin/operators.ts',
];

/**
 * X2: handler entries that verify channel webhooks or deliver to channels, the only ones that may read channel
 * secrets (the CHANNELSECRET# item family). Every other function is denied that family in IAM; the channel admin
 * function may write secrets but not read them back.
 */
export const channelSecretReaders: readonly string[] = [
  'functions/http/channel-webhook.ts',
  'functions/http/operator-api.ts',
  'functions/ws/operator-action.ts',
  // Durable delivery: the timers schedule retries replies that could not be delivered at once.
  'functions/scheduled/timers.ts',
];
export const CHANNELS_ADMIN_ENTRY = 'functions/http/admin/channels.ts';
/** W1: the webhook admin function writes webhook secrets (create, rotate) but never reads them back. */
export const WEBHOOKS_ADMIN_ENTRY = 'functions/http/admin/webhooks.ts';
/**
 * W2: the webhook delivery worker runs in the timers function's per-minute run, beside the sweep (one invocation, so
 * an idle tenant pays for one schedule); it is the only function that reads webhook secrets (it signs every post).
 */
export const WEBHOOK_DELIVERY_ENTRY = 'functions/scheduled/timers.ts';

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
  /**
   * The same function also consumes a delayed SQS queue that wakes it at a timer's due second (S4: EventBridge fires a
   * rate rule anywhere within its minute). Every function that writes timers may send to it.
   */
  readonly wakeUpQueue?: boolean;
}

export const WS_ROUTE_SELECTION = '$request.body.action';

/**
 * The WebSocket API's Lambda REQUEST authorizer, attached to $connect. Browsers pass a connect code
 * (POST /auth/connect-code), widget visitors their visitor token, other integrations an operator access token:
 * `wss://…/live?token=…`. A handshake without the identity source is refused with 401 before the authorizer runs.
 */
export const webSocketAuthorizer = {
  entry: 'functions/ws/authorize.ts',
  identitySource: 'route.request.querystring.token',
} as const;

// The operator protocol's HTTP routes live in their own module so that the operator-api function bundles that map
// alone, not this whole table.
export { type ActionInput, operatorHttpActions } from './operator-http-routes';

export const httpRoutes: readonly HttpRoute[] = [
  { method: 'GET', path: '/health', entry: 'functions/http/health.ts', auth: 'none' },
  { method: 'POST', path: '/widget/{channelId}/session', entry: 'functions/http/widget-session.ts', auth: 'none' },
  // Channel webhooks (CH1–CH3): verified by the channel's signature, not by a token. GET answers handshakes.
  { method: 'POST', path: '/channels/{channelId}/webhook', entry: 'functions/http/channel-webhook.ts', auth: 'none' },
  { method: 'GET', path: '/channels/{channelId}/webhook', entry: 'functions/http/channel-webhook.ts', auth: 'none' },
  // Transcript file links (M9): a signed token, valid for days, redirected to a fresh short-lived download URL.
  { method: 'GET', path: '/files/{token}', entry: 'functions/http/file-download.ts', auth: 'none' },
  { method: 'GET', path: '/me', entry: 'functions/http/me.ts', auth: 'operator' },
  { method: 'POST', path: '/auth/connect-code', entry: 'functions/http/connect-code.ts', auth: 'operator' },
  // Admin API (O4): one function per resource, dispatching on the route key.
  // The operator protocol over HTTP: the same actions as the WebSocket API.
  ...Object.keys(operatorHttpActions).map((routeKey) => {
    const [method, path] = routeKey.split(' ') as [HttpMethod, string];
    return { method, path, entry: 'functions/http/operator-api.ts', auth: 'operator' as const };
  }),
  { method: 'GET', path: '/admin/operators', entry: 'functions/http/admin/operators.ts', auth: 'operator' },
  { method: 'POST', path: '/admin/operators', entry: 'functions/http/admin/operators.ts', auth: 'operator' },
  {
    method: 'GET',
    path: '/admin/operators/{operatorId}',
    entry: 'functions/http/admin/operators.ts',
    auth: 'operator',
  },
  {
    method: 'PATCH',
    path: '/admin/operators/{operatorId}',
    entry: 'functions/http/admin/operators.ts',
    auth: 'operator',
  },
  { method: 'GET', path: '/admin/groups', entry: 'functions/http/admin/groups.ts', auth: 'operator' },
  { method: 'POST', path: '/admin/groups', entry: 'functions/http/admin/groups.ts', auth: 'operator' },
  { method: 'GET', path: '/admin/groups/{groupId}', entry: 'functions/http/admin/groups.ts', auth: 'operator' },
  { method: 'PATCH', path: '/admin/groups/{groupId}', entry: 'functions/http/admin/groups.ts', auth: 'operator' },
  { method: 'DELETE', path: '/admin/groups/{groupId}', entry: 'functions/http/admin/groups.ts', auth: 'operator' },
  { method: 'GET', path: '/admin/channels', entry: 'functions/http/admin/channels.ts', auth: 'operator' },
  { method: 'POST', path: '/admin/channels', entry: 'functions/http/admin/channels.ts', auth: 'operator' },
  { method: 'GET', path: '/admin/channels/{channelId}', entry: 'functions/http/admin/channels.ts', auth: 'operator' },
  { method: 'PATCH', path: '/admin/channels/{channelId}', entry: 'functions/http/admin/channels.ts', auth: 'operator' },
  {
    method: 'POST',
    path: '/admin/channels/{channelId}/secret',
    entry: 'functions/http/admin/channels.ts',
    auth: 'operator',
  },
  { method: 'GET', path: '/admin/categories', entry: 'functions/http/admin/categories.ts', auth: 'operator' },
  { method: 'POST', path: '/admin/categories', entry: 'functions/http/admin/categories.ts', auth: 'operator' },
  {
    method: 'PATCH',
    path: '/admin/categories/{categoryId}',
    entry: 'functions/http/admin/categories.ts',
    auth: 'operator',
  },
  {
    method: 'DELETE',
    path: '/admin/categories/{categoryId}',
    entry: 'functions/http/admin/categories.ts',
    auth: 'operator',
  },
  // RP1: daily figures per operator, group or channel (supervisors and admins), JSON or CSV.
  { method: 'GET', path: '/reports', entry: 'functions/http/reports.ts', auth: 'operator' },
  { method: 'GET', path: '/admin/settings', entry: 'functions/http/admin/settings.ts', auth: 'operator' },
  { method: 'PUT', path: '/admin/settings', entry: 'functions/http/admin/settings.ts', auth: 'operator' },
  // Outgoing webhooks (W1, W2): endpoints, secret rotation, attempt log, event replay.
  { method: 'GET', path: '/admin/webhooks', entry: WEBHOOKS_ADMIN_ENTRY, auth: 'operator' },
  { method: 'POST', path: '/admin/webhooks', entry: WEBHOOKS_ADMIN_ENTRY, auth: 'operator' },
  { method: 'GET', path: '/admin/webhooks/{webhookId}', entry: WEBHOOKS_ADMIN_ENTRY, auth: 'operator' },
  { method: 'PATCH', path: '/admin/webhooks/{webhookId}', entry: WEBHOOKS_ADMIN_ENTRY, auth: 'operator' },
  { method: 'DELETE', path: '/admin/webhooks/{webhookId}', entry: WEBHOOKS_ADMIN_ENTRY, auth: 'operator' },
  { method: 'POST', path: '/admin/webhooks/{webhookId}/disable', entry: WEBHOOKS_ADMIN_ENTRY, auth: 'operator' },
  { method: 'POST', path: '/admin/webhooks/{webhookId}/secret', entry: WEBHOOKS_ADMIN_ENTRY, auth: 'operator' },
  { method: 'GET', path: '/admin/webhooks/{webhookId}/attempts', entry: WEBHOOKS_ADMIN_ENTRY, auth: 'operator' },
  {
    method: 'GET',
    path: '/admin/webhooks/{webhookId}/events/{eventId}',
    entry: WEBHOOKS_ADMIN_ENTRY,
    auth: 'operator',
  },
  {
    method: 'POST',
    path: '/admin/webhooks/{webhookId}/events/{eventId}/replay',
    entry: WEBHOOKS_ADMIN_ENTRY,
    auth: 'operator',
  },
];

export const webSocketRoutes: readonly WebSocketRoute[] = [
  { routeKey: '$connect', entry: 'functions/ws/connect.ts', replies: false },
  { routeKey: '$disconnect', entry: 'functions/ws/disconnect.ts', replies: false },
  { routeKey: '$default', entry: 'functions/ws/unknown-action.ts', replies: true },
  // ping answers through the management API (the push path), so a front end can check end-to-end delivery.
  { routeKey: 'ping', entry: 'functions/ws/ping.ts', replies: false },
  { routeKey: 'whoami', entry: 'functions/ws/whoami.ts', replies: true },
  // The operator protocol: every action of shared/use-cases/operator-actions.ts, answered by one function.
  ...OPERATOR_ACTION_NAMES.map((routeKey) => ({ routeKey, entry: 'functions/ws/operator-action.ts', replies: true })),
  // The widget visitor's chat (shared/use-cases/visitor-chat.ts).
  ...VISITOR_ACTION_NAMES.map((routeKey) => ({ routeKey, entry: 'functions/ws/visitor-action.ts', replies: true })),
];

export const schedules: readonly Schedule[] = [
  { name: 'timers', everyMinutes: 1, entry: 'functions/scheduled/timers.ts', wakeUpQueue: true },
];

/**
 * A consumer of the table's change stream (DynamoDB Streams → a Lambda event source mapping), one per projector output
 * (shared/use-cases/change-projector.ts). Each reads the stream at its own position and retries only its own batches,
 * so one failing output never delays another. DynamoDB Streams serves about two readers per shard without throttling:
 * a third output should share a consumer with per-output retry rather than add a reader (see README).
 */
export interface StreamConsumer {
  readonly name: string;
  readonly entry: string;
  /** Records per invocation at most. */
  readonly batchSize: number;
  /** How long a batch may gather records: bigger batches share postings items (fewer writes), but wait longer. */
  readonly batchingWindowSeconds: number;
  /** Retries of a failing batch, bisected on every error, before its records go to the failure queue. */
  readonly retryAttempts: number;
  /** A record older than this goes to the failure queue instead of being retried (the stream keeps 24 h). */
  readonly maxRecordAgeSeconds: number;
}

export const streamConsumers: readonly StreamConsumer[] = [
  {
    name: 'search-index',
    entry: 'functions/stream/search-index.ts',
    batchSize: 1000,
    batchingWindowSeconds: 10,
    retryAttempts: 6,
    maxRecordAgeSeconds: 6 * 3600,
  },
  {
    // RP1: daily aggregates; a bigger window means fewer ADDs per message (one per day and dimension per batch).
    name: 'reports',
    entry: 'functions/stream/reports.ts',
    batchSize: 1000,
    batchingWindowSeconds: 10,
    retryAttempts: 6,
    maxRecordAgeSeconds: 6 * 3600,
  },
  {
    // W2: small batches soon, so events go out quickly; a batch costs one due-work item per endpoint. Records are
    // kept for the stream's whole 24 hours: an event is never given up while it can still be read.
    name: 'webhooks',
    entry: 'functions/stream/webhooks.ts',
    batchSize: 100,
    batchingWindowSeconds: 1,
    retryAttempts: 10,
    maxRecordAgeSeconds: 24 * 3600,
  },
];

/** Every distinct handler entry, the authorizer included: one Lambda function each. */
export function handlerEntries(): string[] {
  return [
    ...new Set(
      [...httpRoutes, ...webSocketRoutes, ...schedules, ...streamConsumers, webSocketAuthorizer].map(
        (route) => route.entry,
      ),
    ),
  ];
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

// The one route table: every HTTP route, WebSocket route, schedule and stream consumer with its handler entry and its
// grants (what the handler may touch in AWS, infra/grants.ts). The CDK stack (functions, routes, IAM policies) and the
// local stack (gateway, scheduler, stream poller, table-grant checks) are both generated from it.

import { adminResources } from '../functions/routes/admin';
import { operatorHttpActions } from '../functions/routes/operator-http';
import type { ItemFamily } from '../shared/store/keys';
import { OPERATOR_ACTION_NAMES, type OperatorActionName } from '../shared/use-cases/operator-actions';
import { VISITOR_ACTION_NAMES } from '../shared/use-cases/visitor-chat';
import { type Grants, type ResolvedGrants, readableFamilies, unionOf } from './grants';

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
  readonly grants: Grants;
}

export interface WebSocketRoute {
  /** `$connect`, `$disconnect`, `$default` or an action name (route selection: `$request.body.action`). */
  readonly routeKey: string;
  readonly entry: string;
  /** The handler's return value is sent back to the caller as the route response (R1 reply frames). */
  readonly replies: boolean;
  readonly grants: Grants;
}

export interface Schedule {
  readonly name: string;
  /** Run every N minutes (EventBridge rate expression). */
  readonly everyMinutes: number;
  readonly entry: string;
  /**
   * The same function also consumes a delayed SQS queue that wakes it at a timer's due second (S4: EventBridge fires a
   * rate rule anywhere within its minute). Functions that write timers send to it (the `wakeUps` grant).
   */
  readonly wakeUpQueue?: boolean;
  readonly grants: Grants;
}

/** A route as a gateway serves it: grants are for the deployed functions' policies (tests serve routes of their own). */
export type ServedHttpRoute = Omit<HttpRoute, 'grants'>;
export type ServedWebSocketRoute = Omit<WebSocketRoute, 'grants'>;

export const WS_ROUTE_SELECTION = '$request.body.action';

// Grants shared by several rows.
/** Operator routes resolve the calling operator (its role and groups) on every request. */
const CALLER: readonly ItemFamily[] = ['operators'];
/**
 * A ticket change (T1–T12, S1–S4): the ticket with its client, messages and list rows, a new ticket's number, the
 * channel's message ids, operator counters, timers (auto-close, SLA, retries) with their wake-ups, and the events
 * pushed to the audiences that see it (fan-out drops gone connections).
 */
const TICKET_CHANGES = {
  table: {
    read: ['groups', 'channels', 'categories', 'settings'],
    write: ['operators', 'clients', 'ticketNumbers', 'channelMessageIds', 'connections', 'timers'],
  },
  push: true,
  wakeUps: true,
} as const satisfies Grants;
/** X2: delivering to a channel reads its secrets (tokens) and hands attachments to the provider. */
const DELIVERY = { table: { read: ['channelSecrets'] }, attachments: ['get'] } as const satisfies Grants;
/** Attachments offered as download links (history, sync, a ticket). */
const DOWNLOADS = { attachments: ['get'] } as const satisfies Grants;
/** Uploads: presigned POSTs, then the upload is checked, copied to its final key and the upload deleted. */
const UPLOADS = { attachments: ['put', 'get', 'delete'] } as const satisfies Grants;

/** The operator protocol (shared/use-cases/operator-actions.ts): every action may change tickets and deliver. */
const OPERATOR_ACTION = unionGrants(TICKET_CHANGES, DELIVERY);
/** What an operator action needs beyond OPERATOR_ACTION. */
const operatorActionExtras: Partial<Record<OperatorActionName, Grants>> = {
  list: { table: { read: ['drafts'] } },
  'ticket.get': DOWNLOADS,
  history: DOWNLOADS,
  sync: DOWNLOADS,
  'message.send': unionGrants(UPLOADS, { table: { write: ['drafts'] } }),
  'upload.create': UPLOADS,
  // M9: the transcript mails links to its files, signed with the tenant's link key (made on first use).
  'ticket.transcript': { table: { write: ['fileLinks'] }, attachments: ['get'], email: true },
  search: { table: { read: ['search'] } },
  'client.search': { table: { read: ['search'] } },
  'template.create': { table: { write: ['templates'] } },
  'template.update': { table: { write: ['templates'] } },
  'template.delete': { table: { write: ['templates'] } },
  'template.lookup': { table: { read: ['templates'] } },
  'template.render': { table: { read: ['templates'] } },
  tag: { table: { write: ['tags'] } },
  tags: { table: { read: ['tags'] } },
  'tag.messages': unionGrants(DOWNLOADS, { table: { read: ['tags'] } }),
  'draft.save': { table: { write: ['drafts'] } },
  'draft.get': { table: { read: ['drafts'] } },
  'draft.clear': { table: { write: ['drafts'] } },
};
const operatorActionGrants = (action: OperatorActionName): Grants =>
  unionGrants(OPERATOR_ACTION, operatorActionExtras[action] ?? {});

/**
 * The WebSocket API's Lambda REQUEST authorizer, attached to $connect. Browsers pass a connect code
 * (POST /auth/connect-code), widget visitors their visitor token, other integrations an operator access token:
 * `wss://…/live?token=…`. A handshake without the identity source is refused with 401 before the authorizer runs.
 */
export const webSocketAuthorizer = {
  entry: 'functions/ws/authorize.ts',
  identitySource: 'route.request.querystring.token',
  // A connect code is single use (deleted as it is redeemed); a visitor is checked against its widget channel.
  grants: { table: { read: ['operators', 'channels', 'visitorTokens'], write: ['connectCodes'] } },
} as const satisfies { entry: string; identitySource: string; grants: Grants };

/** Admin API (O4) grants per resource; every admin route resolves the calling operator first. */
const adminGrants: Record<keyof typeof adminResources, Grants> = {
  // Membership items and counters live in the groups' partitions; logins are provisioned in the user pool, and a
  // disabled operator's sockets are closed.
  operators: { table: { write: [...CALLER, 'groups', 'connections'] }, logins: true, push: true },
  groups: { table: { read: CALLER, write: ['groups'] } },
  // A channel counts as a reference on its default group. X2: its secrets are written, never read back.
  channels: { table: { read: CALLER, write: ['channels', 'groups'], writeOnly: ['channelSecrets'] } },
  categories: { table: { read: CALLER, write: ['categories'] } },
  // Settings name channels; a replacement naming an unknown channel is refused.
  settings: { table: { read: [...CALLER, 'channels'], write: ['settings'] } },
  // W1/X2: endpoints, their events (replay schedules due work) and attempts; signing secrets are written, never read.
  webhooks: { table: { read: CALLER, write: ['webhooks'], writeOnly: ['webhookSecrets'] } },
};

export const httpRoutes: readonly HttpRoute[] = [
  // Public: one read of the table proves it is reachable.
  {
    method: 'GET',
    path: '/health',
    entry: 'functions/http/health.ts',
    auth: 'none',
    grants: { table: { read: ['connections'] } },
  },
  // Public, rate-limited per address: a widget visitor gets a client and a visitor token (CH1).
  {
    method: 'POST',
    path: '/widget/{channelId}/session',
    entry: 'functions/http/widget-session.ts',
    auth: 'none',
    grants: { table: { read: ['channels', 'settings'], write: ['clients', 'visitorTokens', 'rateLimits'] } },
  },
  // Channel webhooks (CH1–CH3): verified by the channel's signature (its secret), not by a token. GET answers
  // handshakes. A message changes a ticket, its media is stored in the bucket, consent replies are delivered; no e-mail.
  ...(['POST', 'GET'] as const).map((method) => ({
    method,
    path: '/channels/{channelId}/webhook',
    entry: 'functions/http/channel-webhook.ts',
    auth: 'none' as const,
    grants: unionGrants(TICKET_CHANGES, DELIVERY, { attachments: ['put'] }),
  })),
  // Transcript file links (M9): a signed token, valid for days, redirected to a fresh short-lived download URL.
  {
    method: 'GET',
    path: '/files/{token}',
    entry: 'functions/http/file-download.ts',
    auth: 'none',
    grants: { table: { write: ['fileLinks'] }, attachments: ['get'] },
  },
  {
    method: 'GET',
    path: '/me',
    entry: 'functions/http/me.ts',
    auth: 'operator',
    grants: { table: { read: [...CALLER, 'groups'] } },
  },
  {
    method: 'POST',
    path: '/auth/connect-code',
    entry: 'functions/http/connect-code.ts',
    auth: 'operator',
    grants: { table: { read: CALLER, write: ['connectCodes'] } },
  },
  // The operator protocol over HTTP: the same actions as the WebSocket API (functions/routes/operator-http.ts).
  ...Object.entries(operatorHttpActions).map(([routeKey, [action]]) => {
    const [method, path] = routeKey.split(' ') as [HttpMethod, string];
    return {
      method,
      path,
      entry: 'functions/http/operator-api.ts',
      auth: 'operator' as const,
      grants: operatorActionGrants(action),
    };
  }),
  // RP1: daily figures per operator, group or channel (supervisors and admins), JSON or CSV; a report without a filter
  // lists every member of its dimension.
  {
    method: 'GET',
    path: '/reports',
    entry: 'functions/http/reports.ts',
    auth: 'operator',
    grants: { table: { read: [...CALLER, 'groups', 'channels', 'reports'] } },
  },
  // Admin API (O4): one function per resource, dispatching on the route key (functions/routes/admin.ts).
  ...Object.entries(adminResources).flatMap(([resource, { entry, routes }]) =>
    Object.values(routes).map((routeKey) => {
      const [method, path] = routeKey.split(' ') as [HttpMethod, string];
      const grants = adminGrants[resource as keyof typeof adminResources];
      return { method, path, entry, auth: 'operator' as const, grants };
    }),
  ),
];

export const webSocketRoutes: readonly WebSocketRoute[] = [
  // A connection's items and audiences; presence tells whoever sees the operator or the visitor's open ticket.
  {
    routeKey: '$connect',
    entry: 'functions/ws/connect.ts',
    replies: false,
    grants: { table: { read: ['operators', 'clients'], write: ['connections'] }, push: true },
  },
  {
    routeKey: '$disconnect',
    entry: 'functions/ws/disconnect.ts',
    replies: false,
    grants: { table: { read: ['operators', 'clients'], write: ['connections'] }, push: true },
  },
  // An unknown action only gets an error reply: no grants at all.
  { routeKey: '$default', entry: 'functions/ws/unknown-action.ts', replies: true, grants: {} },
  // ping answers through the management API (the push path), so a front end can check end-to-end delivery.
  {
    routeKey: 'ping',
    entry: 'functions/ws/ping.ts',
    replies: false,
    grants: { table: { read: [...CALLER, 'connections'] }, push: true },
  },
  // whoami re-reads the operator behind the connection (its current role and groups).
  { routeKey: 'whoami', entry: 'functions/ws/whoami.ts', replies: true, grants: { table: { read: CALLER } } },
  // The operator protocol: every action of shared/use-cases/operator-actions.ts, answered by one function.
  ...OPERATOR_ACTION_NAMES.map((routeKey) => ({
    routeKey,
    entry: 'functions/ws/operator-action.ts',
    replies: true,
    grants: operatorActionGrants(routeKey),
  })),
  // The widget visitor's chat (shared/use-cases/visitor-chat.ts): messages change tickets (pushed to the visitor's
  // own connection, no channel delivery), a visitor's message rate lives on a table item (R5), visitors upload files;
  // chat.end revokes the visitor's token.
  ...VISITOR_ACTION_NAMES.map((routeKey) => ({
    routeKey,
    entry: 'functions/ws/visitor-action.ts',
    replies: true,
    grants: unionGrants(TICKET_CHANGES, UPLOADS, { table: { write: ['rateLimits', 'visitorTokens'] } }),
  })),
];

export const schedules: readonly Schedule[] = [
  // Timers (shared/use-cases/timer-jobs.ts): auto-close (T11), SLA marks (S1–S4) and delivery retries, which deliver.
  // The per-minute run also posts due outgoing webhook events (W2): it claims their due work, records attempts and
  // signs every post, so it is the one function that reads webhook secrets.
  {
    name: 'timers',
    everyMinutes: 1,
    entry: 'functions/scheduled/timers.ts',
    wakeUpQueue: true,
    grants: unionGrants(TICKET_CHANGES, DELIVERY, { table: { read: ['webhookSecrets'], write: ['webhooks'] } }),
  },
];

/**
 * A consumer of the table's change stream (DynamoDB Streams → a Lambda event source mapping), one per projector output
 * (shared/use-cases/change-projector.ts). Each reads the stream at its own position and retries only its own batches,
 * so one failing output never delays another. DynamoDB Streams serves about two readers per shard without throttling:
 * a third output should share a consumer with per-output retry rather than add a reader (see README). Reading the
 * stream and sending given-up batches to the failure queue are granted by the event source mapping itself.
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
  readonly grants: Grants;
}

export const streamConsumers: readonly StreamConsumer[] = [
  {
    name: 'search-index',
    entry: 'functions/stream/search-index.ts',
    batchSize: 1000,
    batchingWindowSeconds: 10,
    retryAttempts: 6,
    maxRecordAgeSeconds: 6 * 3600,
    // Postings are written to the search family; a message's ticket is read when the batch does not carry it.
    grants: { table: { read: ['clients'], write: ['search'] } },
  },
  {
    // RP1: daily aggregates; a bigger window means fewer ADDs per message (one per day and dimension per batch).
    name: 'reports',
    entry: 'functions/stream/reports.ts',
    batchSize: 1000,
    batchingWindowSeconds: 10,
    retryAttempts: 6,
    maxRecordAgeSeconds: 6 * 3600,
    // Figures and batch marks are added to the reports family; a message's ticket is read when the batch lacks it.
    grants: { table: { read: ['clients'], write: ['reports'] } },
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
    // Events are recorded once per endpoint and their work scheduled, all in the webhooks family; no secrets.
    grants: { table: { write: ['webhooks'] } },
  },
];

/** Every row that names a handler entry, the authorizer included. */
const allRows = () => [...httpRoutes, ...webSocketRoutes, ...schedules, ...streamConsumers, webSocketAuthorizer];

/** Every distinct handler entry, the authorizer included: one Lambda function each. */
export function handlerEntries(): string[] {
  return [...new Set(allRows().map((route) => route.entry))];
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

/** What the function built from `entry` may do: the union of the grants of every row it serves. */
export function grantsOf(entry: string): ResolvedGrants {
  const rows = allRows().filter((row) => row.entry === entry);
  if (rows.length === 0) throw new Error(`The route table names no ${entry}`);
  return unionOf(rows.map((row) => row.grants));
}

/** X2: the entries whose rows read channel secrets (they verify webhooks or deliver); IAM fences every other one out. */
export function channelSecretReaders(): string[] {
  return handlerEntries().filter((entry) => readableFamilies(grantsOf(entry)).includes('channelSecrets'));
}

/** Several grant sets as one row's grants. */
function unionGrants(...grants: Grants[]): Grants {
  const union = unionOf(grants);
  return {
    table: { read: union.read, write: union.write, writeOnly: union.writeOnly },
    attachments: union.attachments,
    email: union.email,
    push: union.push,
    logins: union.logins,
    wakeUps: union.wakeUps,
  };
}

// The API documents, generated from the protocol's zod schemas (zod 4's JSON Schema export) and the route table:
// AsyncAPI 3 for the WebSocket API, OpenAPI 3.1 for the HTTP API. `npm run docs:api` writes them to docs/api/, the
// local stack serves them at /docs, and test/infra/api-documents.test.ts fails when the committed files are stale.
import * as z from 'zod';
import { adminResources } from '../functions/routes/admin';
import { operatorHttpActions } from '../functions/routes/operator-http';
import { apiWebhookSchema } from '../shared/channels/api';
import {
  ACTION_SUMMARIES,
  type ActionName,
  actionInputs,
  OPERATOR_ACTION_NAMES,
  VISITOR_ACTION_NAMES,
} from '../shared/protocol/actions';
import { adminReplies } from '../shared/protocol/admin';
import * as entities from '../shared/protocol/entities';
import { EVENT_SUMMARIES, EVENT_TYPES, eventFrameSchema } from '../shared/protocol/events';
import { errorBody, errorReplyFrame, okReplyFrame } from '../shared/protocol/frame-schemas';
import * as http from '../shared/protocol/http';
import { actionReplies } from '../shared/protocol/replies';
import { operatorCreateSchema } from '../shared/store/operators';
import { settingsSchema } from '../shared/store/settings';
import { categoryNameSchema } from '../shared/use-cases/admin/categories';
import { channelCreateSchema, channelUpdateSchema } from '../shared/use-cases/admin/channels';
import { groupCreateSchema, groupUpdateSchema } from '../shared/use-cases/admin/groups';
import { operatorUpdateSchema } from '../shared/use-cases/admin/operators';
import { webhookCreateSchema, webhookUpdateSchema } from '../shared/use-cases/admin/webhooks';
import { type HttpRoute, httpRoutes } from './routes';

/** Where `npm run docs:api` writes each document, relative to the repository root. */
export const API_DOCUMENT_FILES = {
  asyncapi: 'docs/api/asyncapi.json',
  openapi: 'docs/api/openapi.json',
} as const;

const VERSION = '1.0.0';
type JsonSchema = Record<string, unknown>;
type Target = 'draft-7' | 'draft-2020-12';

/** The entities replies and events share, by the name each has in the documents' components. */
const NAMED_ENTITIES: Record<string, z.ZodType> = {
  Ticket: entities.ticket,
  Message: entities.message,
  HistoryEntry: entities.historyEntry,
  VisitorMessage: entities.visitorMessage,
  Attachment: entities.attachment,
  Author: entities.author,
  SystemNote: entities.systemNote,
  SlaClock: entities.slaClock,
  TicketRow: entities.ticketRow,
  BlacklistedClientRow: entities.blacklistedClientRow,
  Client: entities.client,
  ClientProfile: entities.clientProfile,
  ClientTicketRow: entities.clientTicketRow,
  ClientNote: entities.clientNote,
  Favourite: entities.favourite,
  QuickReply: entities.quickReply,
  Tag: entities.tag,
  Draft: entities.draft,
  Counters: entities.counters,
  TeamMember: entities.teamMember,
  Category: entities.category,
  UploadSlot: entities.uploadSlot,
  TicketSummary: entities.ticketSummary,
  Error: errorBody,
};

/** JSON Schemas of every registered schema, entities referred to by `$ref` into the document's components. */
function componentSchemas(extra: Record<string, z.ZodType>, target: Target): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries({ ...NAMED_ENTITIES, ...extra })) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io: 'input',
    target,
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema as JsonSchema]),
  );
}

/** One schema on its own (inputs refer to no entity). */
function jsonSchemaOf(schema: z.ZodType, target: Target): JsonSchema {
  const { $schema: _s, ...json } = z.toJSONSchema(schema, { io: 'input', target, unrepresentable: 'any' });
  return json as JsonSchema;
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** A request frame: the action's input with `action` and `requestId` beside it. */
function requestFrameSchema(action: ActionName): JsonSchema {
  const input = jsonSchemaOf(actionInputs[action], 'draft-7');
  return {
    ...input,
    properties: {
      action: { const: action },
      requestId: { type: 'string', minLength: 1, maxLength: 64 },
      ...((input.properties as object | undefined) ?? {}),
    },
    required: ['action', 'requestId', ...((input.required as string[] | undefined) ?? [])],
  };
}

const audienceOf = (action: ActionName) =>
  (OPERATOR_ACTION_NAMES as string[]).includes(action)
    ? 'operators'
    : (VISITOR_ACTION_NAMES as string[]).includes(action)
      ? 'widget visitors'
      : 'any connection';

/** AsyncAPI 3: the WebSocket API — one channel, an operation per action (with its reply) and per event. */
export function asyncApiDocument(): Record<string, unknown> {
  const actions = Object.keys(actionInputs) as ActionName[];
  const replyFrames = Object.fromEntries(
    actions.map((action) => [`${action}.reply`, okReplyFrame(actionReplies[action])]),
  );
  const eventFrames = Object.fromEntries(EVENT_TYPES.map((type) => [`${type}.event`, eventFrameSchema(type)]));
  const eventsFrame = z.object({
    type: z.literal('events'),
    events: z.array(z.union(Object.values(eventFrames) as unknown as [z.ZodType, ...z.ZodType[]])),
  });
  const schemas = componentSchemas(
    { ...replyFrames, ...eventFrames, ErrorReply: errorReplyFrame, EventsFrame: eventsFrame },
    'draft-7',
  );
  for (const action of actions) schemas[`${action}.request`] = requestFrameSchema(action);

  const messages: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const channelMessage = (id: string) => ({ $ref: `#/channels/live/messages/${id}` });
  for (const action of actions) {
    messages[`${action}.request`] = {
      name: action,
      title: `${action} request`,
      summary: `${ACTION_SUMMARIES[action]} (${audienceOf(action)})`,
      payload: ref(`${action}.request`),
    };
    messages[`${action}.reply`] = {
      name: `${action} reply`,
      title: `${action} reply`,
      payload: ref(`${action}.reply`),
    };
    operations[action] = {
      action: 'send',
      channel: { $ref: '#/channels/live' },
      summary: `${ACTION_SUMMARIES[action]} For ${audienceOf(action)}; answered by a reply frame with the same requestId.`,
      messages: [channelMessage(`${action}.request`)],
      reply: {
        channel: { $ref: '#/channels/live' },
        messages: [channelMessage(`${action}.reply`), channelMessage('error')],
      },
    };
  }
  messages.error = {
    name: 'error reply',
    title: 'Error reply',
    summary: 'A refused request: a stable code, a human message and details; the connection stays open.',
    payload: ref('ErrorReply'),
  };
  for (const type of EVENT_TYPES) {
    messages[`${type}.event`] = {
      name: type,
      title: `${type} event`,
      summary: EVENT_SUMMARIES[type],
      payload: ref(`${type}.event`),
    };
    operations[`receive.${type}`] = {
      action: 'receive',
      channel: { $ref: '#/channels/live' },
      summary: `${EVENT_SUMMARIES[type]} Alone or inside an \`events\` frame.`,
      messages: [channelMessage(`${type}.event`)],
    };
  }
  messages.events = {
    name: 'events',
    title: 'Events frame',
    summary: 'The events of one change for one recipient, in order, as one WebSocket message (R4).',
    payload: ref('EventsFrame'),
  };
  operations['receive.events'] = {
    action: 'receive',
    channel: { $ref: '#/channels/live' },
    summary: 'Several events of one change, in order.',
    messages: [channelMessage('events')],
  };

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Switchboard WebSocket API',
      version: VERSION,
      description:
        'Operators and widget visitors connect with `?token=` (a connect code from `POST /auth/connect-code`, an operator access token, or a visitor token). Every frame is `{action, requestId, ...input}` and gets one reply frame with the same requestId; events are pushed as `event` frames or `events` frames. Generated from shared/protocol by `npm run docs:api`.',
    },
    servers: {
      aws: {
        host: '{apiId}.execute-api.{region}.amazonaws.com',
        pathname: '/live',
        protocol: 'wss',
        description: 'A deployed tenant (the stack prints its WebSocket URL).',
        variables: { apiId: { default: 'abc123' }, region: { default: 'eu-central-1' } },
      },
      local: {
        host: '127.0.0.1:4001',
        pathname: '/local',
        protocol: 'ws',
        description: 'The local stack (`npm start`).',
      },
    },
    channels: {
      live: {
        address: '/',
        title: 'The WebSocket connection',
        parameters: {},
        messages: Object.fromEntries(Object.keys(messages).map((id) => [id, { $ref: `#/components/messages/${id}` }])),
      },
    },
    operations,
    components: { schemas, messages },
  };
}

// ---- OpenAPI ----

interface HttpOperationSpec {
  summary: string;
  status?: number;
  body?: z.ZodType;
  query?: z.ZodType;
  reply?: z.ZodType | string;
  /** A response that is not JSON (a redirect, a provider's acknowledgement). */
  plain?: string;
}

const anyObject = z.record(z.string(), z.unknown());

/** The HTTP routes that are not operator actions, by route key. */
const otherRoutes: Record<string, HttpOperationSpec> = {
  'GET /health': { summary: 'The API can reach its table.', reply: http.healthReply },
  'POST /widget/{channelId}/session': {
    summary: 'A widget visitor gets a client and a visitor token (CH1); rate-limited per address.',
    status: 201,
    body: http.widgetSessionRequest,
    reply: http.widgetSessionReply,
  },
  'POST /channels/{channelId}/webhook': {
    summary:
      "A channel's webhook, signed by the channel's kind (README, Channels): the api channel's JSON (a message, a delivery status or typing), a Telegram Update or a WhatsApp Cloud API notification.",
    body: z.union([
      apiWebhookSchema.meta({
        title: 'api channel',
        description: 'An `api` channel request (CH1), signed with x-switchboard-signature.',
      }),
      z.looseObject({ update_id: z.int() }).meta({
        title: 'Telegram Update',
        description: 'A Bot API Update, as Telegram posts it (X-Telegram-Bot-Api-Secret-Token).',
      }),
      z.looseObject({ object: z.literal('whatsapp_business_account'), entry: z.array(anyObject) }).meta({
        title: 'WhatsApp notification',
        description: 'A Cloud API webhook notification (X-Hub-Signature-256).',
      }),
    ]),
    reply: http.webhookReply,
  },
  'GET /channels/{channelId}/webhook': {
    summary: "A provider's verification handshake (WhatsApp's hub.challenge).",
    plain: 'The challenge, echoed.',
  },
  'GET /files/{token}': {
    summary: "A transcript's file link (M9): a redirect to a fresh download URL valid 15 minutes.",
    status: 302,
    plain: 'Redirect to the file.',
  },
  'GET /me': { summary: 'The calling operator.', reply: http.operatorProfile },
  'POST /auth/connect-code': {
    summary: 'A one-minute, single-use code for the WebSocket URL (`?token=`).',
    status: 201,
    reply: http.connectCodeReply,
  },
  'GET /reports': {
    summary: 'RP1 figures per day and operator, group, channel or tenant (supervisors and admins); CSV on request.',
    query: http.reportQuerySchema,
    reply: http.reportReply,
  },
};

/** Admin requests (O4) by resource and use case; the answers are in shared/protocol/admin.ts. */
const adminBodies: Record<string, z.ZodType> = {
  'operators.create': operatorCreateSchema,
  'operators.update': operatorUpdateSchema,
  'groups.create': groupCreateSchema,
  'groups.update': groupUpdateSchema,
  'channels.create': channelCreateSchema,
  'channels.update': channelUpdateSchema,
  'categories.create': categoryNameSchema,
  'categories.rename': categoryNameSchema,
  'settings.replace': settingsSchema,
  'webhooks.create': webhookCreateSchema,
  'webhooks.update': webhookUpdateSchema,
};

function adminSpecs(): Record<string, HttpOperationSpec> {
  const specs: Record<string, HttpOperationSpec> = {};
  for (const [resource, { routes }] of Object.entries(adminResources)) {
    for (const [useCase, routeKey] of Object.entries(routes)) {
      const name = `${resource}.${useCase}`;
      const body = adminBodies[name];
      const reply = resource === 'settings' ? settingsSchema : adminReplies[name as keyof typeof adminReplies];
      if (useCase !== 'remove' && !reply) throw new Error(`${routeKey}: no answer schema in shared/protocol/admin.ts`);
      specs[routeKey] = {
        summary: `Admin: ${resource} — ${useCase} (admins only).`,
        status: useCase === 'create' ? 201 : useCase === 'remove' ? 204 : 200,
        ...(body ? { body } : {}),
        ...(reply ? { reply } : {}),
      };
    }
  }
  return specs;
}

/** A component name for a route's answer (names are letters, digits, ".", "_" and "-"). */
const replyIdOf = (routeKey: string) => `${routeKey.replace(/[^a-zA-Z0-9.-]+/g, '_')}.reply`;

const pathParametersOf = (path: string) => [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string);

function withoutProperties(schema: JsonSchema, names: readonly string[]): JsonSchema {
  const properties = { ...((schema.properties as Record<string, unknown> | undefined) ?? {}) };
  for (const name of names) delete properties[name];
  const required = ((schema.required as string[] | undefined) ?? []).filter((name) => !names.includes(name));
  return { ...schema, properties, ...(required.length ? { required } : {}) };
}

/** OpenAPI 3.1: the HTTP API — every route of infra/routes.ts with its request and answer. */
export function openApiDocument(): Record<string, unknown> {
  const actionOfRoute = operatorHttpActions as Record<string, readonly [ActionName, string, number?]>;
  const extra: Record<string, z.ZodType> = { HttpError: http.httpErrorBody };
  const specs: Record<string, HttpOperationSpec> = { ...otherRoutes, ...adminSpecs() };
  for (const [routeKey, [action, from, status]] of Object.entries(actionOfRoute)) {
    const input = actionInputs[action];
    specs[routeKey] = {
      summary: `${ACTION_SUMMARIES[action]} (The \`${action}\` action over HTTP: the same input and answer as over WebSocket.)`,
      ...(status ? { status } : {}),
      ...(from === 'body' ? { body: input } : from === 'query' ? { query: input } : {}),
      reply: `${action}.reply`,
    };
    extra[`${action}.reply`] = actionReplies[action];
  }
  for (const [routeKey, spec] of Object.entries(specs)) {
    if (spec.reply && typeof spec.reply !== 'string') extra[replyIdOf(routeKey)] = spec.reply;
  }
  const schemas = componentSchemas(extra, 'draft-2020-12');

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of httpRoutes as readonly HttpRoute[]) {
    const routeKey = `${route.method} ${route.path}`;
    const spec = specs[routeKey];
    if (!spec) throw new Error(`${routeKey} is not described in infra/api-documents.ts`);
    const pathNames = pathParametersOf(route.path);
    const parameters: unknown[] = pathNames.map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (spec.query) {
      const query = withoutProperties(jsonSchemaOf(spec.query, 'draft-2020-12'), pathNames);
      const required = (query.required as string[] | undefined) ?? [];
      for (const [name, schema] of Object.entries((query.properties as Record<string, unknown>) ?? {})) {
        parameters.push({ name, in: 'query', required: required.includes(name), schema });
      }
    }
    const status = String(spec.status ?? 200);
    const replyId = typeof spec.reply === 'string' ? spec.reply : spec.reply ? replyIdOf(routeKey) : undefined;
    const responses: Record<string, unknown> = {
      [status]: replyId
        ? { description: 'OK', content: { 'application/json': { schema: ref(replyId) } } }
        : { description: spec.plain ?? 'No content.' },
      default: {
        description: 'An error: the status of its code (400, 401, 403, 404, 409, 413, 429, 500).',
        content: { 'application/json': { schema: ref('HttpError') } },
      },
    };
    const operation: Record<string, unknown> = {
      operationId: routeKey,
      summary: spec.summary,
      ...(route.auth === 'operator' ? { security: [{ operatorToken: [] }] } : { security: [] }),
      ...(parameters.length ? { parameters } : {}),
      ...(spec.body
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': { schema: withoutProperties(jsonSchemaOf(spec.body, 'draft-2020-12'), pathNames) },
              },
            },
          }
        : {}),
      responses,
    };
    const entry = paths[route.path] ?? {};
    entry[route.method.toLowerCase()] = operation;
    paths[route.path] = entry;
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchboard HTTP API',
      version: VERSION,
      description:
        'Operator routes take `Authorization: Bearer <access token>`; errors are `{"error":{code,message,details?}}`. The operator routes run the same actions as the WebSocket API. Generated from shared/protocol and infra/routes.ts by `npm run docs:api`.',
    },
    servers: [
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        variables: { apiId: { default: 'abc123' }, region: { default: 'eu-central-1' } },
      },
      { url: 'http://127.0.0.1:4000', description: 'The local stack (`npm start`).' },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: { operatorToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}

/** Each document as its file holds it. */
export function apiDocumentTexts(): Record<keyof typeof API_DOCUMENT_FILES, string> {
  return {
    asyncapi: `${JSON.stringify(asyncApiDocument(), null, 2)}\n`,
    openapi: `${JSON.stringify(openApiDocument(), null, 2)}\n`,
  };
}

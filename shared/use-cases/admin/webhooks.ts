// Webhook endpoint administration (W1, W2): create, list, show, update, disable, delete, rotate the signing secret,
// read the attempt log, look up and replay an event. Admins only; the secret is returned only when created or rotated.
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { outboundUrlProblem } from '../../channels/outbound-url';
import type { Actor } from '../../domain/actors';
import { conflict, invalid, notFound } from '../../domain/errors';
import { newId } from '../../domain/ids';
import { requireAdmin } from '../../domain/policy';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../domain/webhooks';
import { readConfig } from '../../platform/config';
import { keys } from '../../store/keys';
import { listingPage, type Page, type PageRequest } from '../../store/pagination';
import {
  isConditionFailure,
  StaleRecord,
  transactWrite,
  versionCondition,
  withFreshRead,
} from '../../store/transactions';
import {
  getWebhookEndpoint,
  getWebhookEvent,
  recentWebhookAttempts,
  reopenWebhookEvent,
  scheduleWebhookWork,
  toWebhookEndpoint,
  type WebhookAttempt,
  type WebhookEndpoint,
  type WebhookEventRecord,
  webhookEndpointItem,
  webhookSecretItem,
} from '../../store/webhooks';

const url = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .trim()
  .max(2048, 'must be at most 2048 characters')
  .superRefine((value, context) => {
    const problem = outboundUrlProblem(value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

const eventTypes = z
  .array(z.string(), { error: 'must be a list of event types' })
  .min(1, 'must name at least one event type')
  .max(WEBHOOK_EVENT_TYPES.length, `has at most ${WEBHOOK_EVENT_TYPES.length} entries`)
  .superRefine((types, context) => {
    const unknown = types.filter((type) => !isWebhookEventType(type));
    if (unknown.length) {
      context.addIssue({
        code: 'custom',
        message: `unknown ${unknown.map((type) => `"${type.slice(0, 40)}"`).join(', ')}; choose from ${WEBHOOK_EVENT_TYPES.join(', ')}`,
      });
    }
  })
  .transform((types) => [...new Set(types)] as WebhookEventType[]);

const description = z.string().trim().max(200, 'must be at most 200 characters');

export const webhookCreateSchema = z.strictObject({
  url,
  eventTypes,
  enabled: z.boolean().default(true),
  description: description.optional(),
});

export const webhookUpdateSchema = z
  .strictObject({
    url: url.optional(),
    eventTypes: eventTypes.optional(),
    enabled: z.boolean().optional(),
    description: description.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'send at least one of url, eventTypes, enabled, description');

export type WebhookInput = z.output<typeof webhookCreateSchema>;
export type WebhookPatch = z.output<typeof webhookUpdateSchema>;

/** What admins see of an endpoint: never its secret. */
export type WebhookView = Omit<WebhookEndpoint, 'version'>;

const viewOf = ({ version: _version, ...endpoint }: WebhookEndpoint): WebhookView => endpoint;

export async function listWebhooks(actor: Actor, page: PageRequest): Promise<Page<WebhookView>> {
  requireAdmin(actor);
  return listingPage(keys.webhooks(), page, (item) => viewOf(toWebhookEndpoint(item)));
}

export async function showWebhook(actor: Actor, webhookId: string): Promise<WebhookView> {
  requireAdmin(actor);
  return viewOf(await requireEndpoint(webhookId));
}

/** The one response besides a rotation that carries the secret: the receiver verifies signatures with it. */
export async function createWebhook(
  actor: Actor,
  input: WebhookInput,
  now = new Date(),
): Promise<WebhookView & { secret: string }> {
  requireAdmin(actor);
  const endpoint: WebhookEndpoint = {
    webhookId: newId('wh'),
    url: input.url,
    eventTypes: input.eventTypes,
    enabled: input.enabled,
    ...(input.description ? { description: input.description } : {}),
    ...(input.enabled ? {} : { disabledReason: 'Created disabled.', disabledAt: now.toISOString() }),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    version: 1,
  };
  const secret = newSecret();
  const tableName = readConfig().tableName;
  await transactWrite([
    {
      item: {
        Put: {
          TableName: tableName,
          Item: webhookEndpointItem(endpoint),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    },
    // X2: the secret has its own item, which IAM lets only the delivering function read.
    { item: { Put: { TableName: tableName, Item: webhookSecretItem(endpoint.webhookId, secret) } } },
  ]);
  return { ...viewOf(endpoint), secret };
}

/** Changes url, event types, description or enabled; enabling again clears the reason it was disabled for. */
export async function updateWebhook(
  actor: Actor,
  webhookId: string,
  patch: WebhookPatch,
  now = new Date(),
): Promise<WebhookView> {
  const admin = requireAdmin(actor);
  return withFreshRead(async () => {
    const stored = await requireEndpoint(webhookId, true);
    const next: WebhookEndpoint = {
      ...stored,
      url: patch.url ?? stored.url,
      eventTypes: patch.eventTypes ?? stored.eventTypes,
      enabled: patch.enabled ?? stored.enabled,
      updatedAt: now.toISOString(),
      version: stored.version + 1,
    };
    if (patch.description !== undefined) next.description = patch.description;
    if (next.enabled && !stored.enabled) {
      delete next.disabledReason;
      delete next.disabledAt;
      delete next.failingSince;
      delete next.lastError;
    }
    if (!next.enabled && stored.enabled) {
      next.disabledReason = `Disabled by ${admin.operatorId}.`;
      next.disabledAt = now.toISOString();
    }
    const condition = versionCondition(stored.version);
    await transactWrite([
      {
        item: {
          Put: {
            TableName: readConfig().tableName,
            Item: webhookEndpointItem(next),
            ConditionExpression: `attribute_exists(pk) AND ${condition.expression}`,
            ExpressionAttributeValues: condition.values,
          },
        },
        onConditionFailed: () => new StaleRecord(),
      },
    ]);
    return viewOf(next);
  });
}

export function disableWebhook(actor: Actor, webhookId: string, now = new Date()): Promise<WebhookView> {
  return updateWebhook(actor, webhookId, { enabled: false }, now);
}

/** Deletes the endpoint and its secret; its event records, due work and attempts expire with their TTL. */
export async function deleteWebhook(actor: Actor, webhookId: string): Promise<void> {
  requireAdmin(actor);
  const tableName = readConfig().tableName;
  try {
    await transactWrite([
      {
        item: {
          Delete: { TableName: tableName, Key: keys.webhook(webhookId), ConditionExpression: 'attribute_exists(pk)' },
        },
        onConditionFailed: () => webhookNotFound(webhookId),
      },
      { item: { Delete: { TableName: tableName, Key: keys.webhookSecret(webhookId) } } },
    ]);
  } catch (error) {
    if (isConditionFailure(error)) throw webhookNotFound(webhookId);
    throw error;
  }
}

/** Issues a new signing secret; deliveries are signed with it from the next attempt on. */
export async function rotateWebhookSecret(
  actor: Actor,
  webhookId: string,
  now = new Date(),
): Promise<{ webhookId: string; secret: string }> {
  requireAdmin(actor);
  const secret = newSecret();
  const tableName = readConfig().tableName;
  try {
    await transactWrite([
      {
        item: {
          Update: {
            TableName: tableName,
            Key: keys.webhook(webhookId),
            UpdateExpression: 'SET updatedAt = :now',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':now': now.toISOString() },
          },
        },
        onConditionFailed: () => webhookNotFound(webhookId),
      },
      { item: { Put: { TableName: tableName, Item: webhookSecretItem(webhookId, secret) } } },
    ]);
  } catch (error) {
    if (isConditionFailure(error)) throw webhookNotFound(webhookId);
    throw error;
  }
  return { webhookId, secret };
}

/** W2: the endpoint's last 100 attempts, newest first. */
export async function webhookAttempts(actor: Actor, webhookId: string): Promise<{ items: WebhookAttempt[] }> {
  requireAdmin(actor);
  await requireEndpoint(webhookId);
  return { items: await recentWebhookAttempts(webhookId) };
}

/** One event as this endpoint has it: its payload and how delivering it went (pending, delivered, failed). */
export async function showWebhookEvent(actor: Actor, webhookId: string, eventId: string): Promise<WebhookEventRecord> {
  requireAdmin(actor);
  await requireEndpoint(webhookId);
  const event = await getWebhookEvent(webhookId, eventId);
  if (!event) throw eventNotFound(webhookId, eventId);
  return event;
}

/** W2: sends one event again, with the same id, at the next run of the delivery worker. */
export async function replayWebhookEvent(
  actor: Actor,
  webhookId: string,
  eventId: string,
  now = new Date(),
): Promise<{ webhookId: string; eventId: string; state: 'pending' }> {
  requireAdmin(actor);
  const endpoint = await requireEndpoint(webhookId);
  if (!endpoint.enabled) throw conflict(`Webhook '${webhookId}' is disabled; enable it before replaying events.`);
  if (!/^ev_[0-9a-z_-]{8,60}$/i.test(eventId)) throw invalid('eventId: is not an event id');
  if (!(await reopenWebhookEvent(webhookId, eventId, now))) throw eventNotFound(webhookId, eventId);
  await scheduleWebhookWork(
    {
      webhookId,
      due: now.toISOString(),
      workId: `replay#${eventId}#${randomBytes(4).toString('hex')}`,
      eventIds: [eventId],
      claims: 0,
    },
    now,
  );
  return { webhookId, eventId, state: 'pending' };
}

async function requireEndpoint(webhookId: string, consistent = false): Promise<WebhookEndpoint> {
  const endpoint = await getWebhookEndpoint(webhookId, consistent);
  if (!endpoint) throw webhookNotFound(webhookId);
  return endpoint;
}

function newSecret(): string {
  return `whsec_${randomBytes(32).toString('hex')}`;
}

function webhookNotFound(webhookId: string) {
  return notFound(`Webhook '${webhookId}' does not exist.`);
}

function eventNotFound(webhookId: string, eventId: string) {
  return notFound(`Webhook '${webhookId}' has no event '${eventId}'.`);
}

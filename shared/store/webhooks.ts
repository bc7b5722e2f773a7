// Outgoing webhook storage (W1, W2): endpoints and their signing secrets, one event record per event and endpoint, the
// endpoint's due work (event ids to post, claimed by move as durable timers are) and its attempt log.
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { WebhookEvent, WebhookEventType } from '../domain/webhooks';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { INDEXES, keys, partitionQuery } from './keys';
import { queryAll } from './query';
import { isConditionFailure, transactWrite } from './transactions';

export interface WebhookEndpoint {
  webhookId: string;
  url: string;
  eventTypes: WebhookEventType[];
  enabled: boolean;
  description?: string;
  /** Why the endpoint is disabled (by an admin, a 410, 3 days of failures); absent while enabled. */
  disabledReason?: string;
  disabledAt?: string;
  /** The first failure since the last success; cleared by a success. */
  failingSince?: string;
  lastError?: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export type WebhookEventState = 'pending' | 'delivered' | 'failed';

/** One event for one endpoint: what is posted, and how posting it went. Kept under 1 KB (one write unit). */
export interface WebhookEventRecord extends WebhookEvent {
  webhookId: string;
  state: WebhookEventState;
  attempts: number;
  lastStatus?: number;
  lastError?: string;
  deliveredAt?: string;
  failedAt?: string;
}

export interface WebhookAttempt {
  eventId: string;
  eventType: string;
  at: string;
  /** The HTTP status, absent when none came back (timeout, refused connection). */
  status?: number;
  latencyMs: number;
  outcome: 'delivered' | 'retry' | 'failed' | 'gone' | 'refused' | 'given_up';
  error?: string;
  nextAttemptAt?: string;
}

/**
 * Due work: event ids of one endpoint to post, in order, at `due` (each event's own attempts are on its record);
 * `claims` counts how often it was claimed, so work whose worker keeps dying gives up.
 */
export interface WebhookDueWork {
  webhookId: string;
  due: string;
  workId: string;
  eventIds: string[];
  claims: number;
}

/** Event records and due work outlive every retry window; attempts are kept for a week. */
const EVENT_TTL_DAYS = 14;
const ATTEMPT_TTL_DAYS = 7;
const expiresIn = (now: Date, days: number) => Math.floor(now.getTime() / 1000) + days * 86_400;
const table = () => readConfig().tableName;

export function toWebhookEndpoint(item: Record<string, unknown>): WebhookEndpoint {
  const endpoint: WebhookEndpoint = {
    webhookId: item.webhookId as string,
    url: item.url as string,
    eventTypes: (item.eventTypes as WebhookEventType[] | undefined) ?? [],
    enabled: item.enabled === true,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    version: (item.version as number | undefined) ?? 1,
  };
  for (const name of ['description', 'disabledReason', 'disabledAt', 'failingSince', 'lastError'] as const) {
    if (typeof item[name] === 'string') endpoint[name] = item[name] as string;
  }
  return endpoint;
}

export function webhookEndpointItem(endpoint: WebhookEndpoint): Record<string, unknown> {
  return {
    ...keys.webhook(endpoint.webhookId),
    ...keys.webhookListing(endpoint.webhookId),
    type: 'webhook',
    ...endpoint,
  };
}

export function webhookSecretItem(webhookId: string, secret: string): Record<string, unknown> {
  return { ...keys.webhookSecret(webhookId), type: 'webhookSecret', webhookId, secret };
}

export async function getWebhookEndpoint(webhookId: string, consistent = false): Promise<WebhookEndpoint | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: table(), Key: keys.webhook(webhookId), ConsistentRead: consistent }),
  );
  return Item ? toWebhookEndpoint(Item) : undefined;
}

/** Every endpoint (a tenant has a handful): one Query of the listing, all pages. */
export async function allWebhookEndpoints(): Promise<WebhookEndpoint[]> {
  const items = await queryAll(partitionQuery(keys.webhooks(), { index: INDEXES.listings }));
  return items.map(toWebhookEndpoint);
}

export async function getWebhookSecret(webhookId: string): Promise<string | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: table(), Key: keys.webhookSecret(webhookId), ConsistentRead: true }),
  );
  return Item?.secret as string | undefined;
}

/** W2: the event record of one endpoint, written once: false when it already exists (a redelivered stream batch). */
export async function recordWebhookEvent(webhookId: string, event: WebhookEvent, now: Date): Promise<boolean> {
  try {
    await dynamo().send(
      new PutCommand({
        TableName: table(),
        Item: {
          ...keys.webhookEvent(webhookId, event.id),
          type: 'webhookEvent',
          webhookId,
          eventId: event.id,
          eventType: event.type,
          createdAt: event.createdAt,
          data: event.data,
          state: 'pending',
          attempts: 0,
          expiresAt: expiresIn(now, EVENT_TTL_DAYS),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export async function getWebhookEvent(webhookId: string, eventId: string): Promise<WebhookEventRecord | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: table(), Key: keys.webhookEvent(webhookId, eventId), ConsistentRead: true }),
  );
  if (!Item) return undefined;
  const record: WebhookEventRecord = {
    id: Item.eventId as string,
    type: Item.eventType as WebhookEventType,
    createdAt: Item.createdAt as string,
    data: (Item.data as Record<string, unknown> | undefined) ?? {},
    webhookId,
    state: Item.state as WebhookEventState,
    attempts: (Item.attempts as number | undefined) ?? 0,
  };
  for (const name of ['lastError', 'deliveredAt', 'failedAt'] as const) {
    if (typeof Item[name] === 'string') record[name] = Item[name] as string;
  }
  if (typeof Item.lastStatus === 'number') record.lastStatus = Item.lastStatus;
  return record;
}

/** Records how an attempt on an event ended (its state, attempts, last status and error). */
export async function settleWebhookEvent(
  webhookId: string,
  eventId: string,
  change: { state: WebhookEventState; attempts: number; status?: number; error?: string; at: string },
): Promise<void> {
  const names: Record<string, string> = { '#state': 'state' };
  const values: Record<string, unknown> = { ':state': change.state, ':attempts': change.attempts, ':at': change.at };
  const sets = ['#state = :state', 'attempts = :attempts'];
  if (change.state === 'delivered') sets.push('deliveredAt = :at');
  if (change.state === 'failed') sets.push('failedAt = :at');
  if (change.state === 'pending') sets.push('lastAttemptAt = :at');
  if (change.status !== undefined) {
    sets.push('lastStatus = :status');
    values[':status'] = change.status;
  }
  if (change.error !== undefined) {
    sets.push('lastError = :error');
    values[':error'] = change.error;
  }
  await dynamo().send(
    new UpdateCommand({
      TableName: table(),
      Key: keys.webhookEvent(webhookId, eventId),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}

/** A replay: the event becomes pending again (its id unchanged) and is due now. False when it does not exist. */
export async function reopenWebhookEvent(webhookId: string, eventId: string, now: Date): Promise<boolean> {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.webhookEvent(webhookId, eventId),
        UpdateExpression: 'SET #state = :pending, replayedAt = :now, expiresAt = :expires ADD replays :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':pending': 'pending',
          ':now': now.toISOString(),
          ':expires': expiresIn(now, EVENT_TTL_DAYS),
          ':one': 1,
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

function dueItem(work: WebhookDueWork, now: Date): Record<string, unknown> {
  return {
    ...keys.webhookDue(work.webhookId, work.due, work.workId),
    type: 'webhookDue',
    ...work,
    expiresAt: expiresIn(now, EVENT_TTL_DAYS),
  };
}

export async function scheduleWebhookWork(work: WebhookDueWork, now: Date): Promise<void> {
  await dynamo().send(new PutCommand({ TableName: table(), Item: dueItem(work, now) }));
}

/** The endpoint's work due at or before `now`, oldest first. */
export async function dueWebhookWork(webhookId: string, now: Date, limit: number): Promise<WebhookDueWork[]> {
  const due = keys.webhookDueThrough(webhookId, now.toISOString());
  const { Items = [] } = await dynamo().send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: 'pk = :pk AND sk <= :through',
      ExpressionAttributeValues: { ':pk': due.pk, ':through': due.through },
      ConsistentRead: true,
      Limit: limit,
    }),
  );
  return Items.map((item) => ({
    webhookId: item.webhookId as string,
    due: item.due as string,
    workId: item.workId as string,
    eventIds: (item.eventIds as string[] | undefined) ?? [],
    claims: (item.claims as number | undefined) ?? 0,
  }));
}

/**
 * Claims due work by moving it to `lease` (a copy due later, one more claim): the copy fires again if this worker dies
 * mid-run. False when another worker claimed it first.
 */
export async function claimWebhookWork(work: WebhookDueWork, lease: WebhookDueWork, now: Date): Promise<boolean> {
  try {
    await transactWrite([
      {
        item: {
          Delete: {
            TableName: table(),
            Key: keys.webhookDue(work.webhookId, work.due, work.workId),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
      },
      { item: { Put: { TableName: table(), Item: dueItem(lease, now) } } },
    ]);
    return true;
  } catch (error) {
    if (isConditionFailure(error) || (error as { code?: string }).code === 'conflict') return false;
    throw error;
  }
}

export async function dropWebhookWork(work: Pick<WebhookDueWork, 'webhookId' | 'due' | 'workId'>): Promise<void> {
  await dynamo().send(
    new DeleteCommand({ TableName: table(), Key: keys.webhookDue(work.webhookId, work.due, work.workId) }),
  );
}

export async function logWebhookAttempt(webhookId: string, attempt: WebhookAttempt, now: Date): Promise<void> {
  await dynamo().send(
    new PutCommand({
      TableName: table(),
      Item: {
        ...keys.webhookAttempt(webhookId, attempt.at, attempt.eventId),
        type: 'webhookAttempt',
        ...attempt,
        expiresAt: expiresIn(now, ATTEMPT_TTL_DAYS),
      },
    }),
  );
}

/** W2: the endpoint's latest attempts, newest first (at most 100: one Query). */
export async function recentWebhookAttempts(webhookId: string, limit = 100): Promise<WebhookAttempt[]> {
  const range = keys.webhookAttempts(webhookId);
  const { Items = [] } = await dynamo().send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': range.pk, ':prefix': range.skPrefix },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return Items.map(({ pk: _pk, sk: _sk, type: _type, expiresAt: _expires, ...attempt }) => attempt as WebhookAttempt);
}

/** A failed attempt: the endpoint remembers its first failure since the last success; returns the endpoint after. */
export async function noteWebhookFailure(webhookId: string, error: string, now: Date): Promise<WebhookEndpoint> {
  const { Attributes } = await dynamo().send(
    new UpdateCommand({
      TableName: table(),
      Key: keys.webhook(webhookId),
      UpdateExpression: 'SET failingSince = if_not_exists(failingSince, :now), lastError = :error',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':now': now.toISOString(), ':error': error },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return toWebhookEndpoint(Attributes ?? {});
}

/** A success ends the endpoint's failing streak (written only when one was running). */
export async function noteWebhookSuccess(webhookId: string): Promise<void> {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.webhook(webhookId),
        UpdateExpression: 'REMOVE failingSince, lastError',
        ConditionExpression: 'attribute_exists(failingSince)',
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** Disables an endpoint with the reason shown to its admins; a no-op for an endpoint already disabled or gone. */
export async function disableWebhookEndpoint(webhookId: string, reason: string, now: Date): Promise<boolean> {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.webhook(webhookId),
        UpdateExpression:
          'SET enabled = :no, disabledReason = :reason, disabledAt = :now, updatedAt = :now ADD version :one',
        ConditionExpression: 'enabled = :yes',
        ExpressionAttributeValues: {
          ':no': false,
          ':yes': true,
          ':reason': reason,
          ':now': now.toISOString(),
          ':one': 1,
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

// Channels (CH1): where clients write from — widget, Telegram, WhatsApp or any system calling the API — each with its
// default group, its webhook secret and kind-specific settings. Secrets are write-only: no view of a channel returns
// them, except the webhook secret in the response that created or rotated it.
import { randomBytes } from 'node:crypto';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Actor } from '../domain/actors';
import { describeIssues, invalid, notFound } from '../domain/errors';
import { displayName, requiredString } from '../domain/fields';
import { newId } from '../domain/ids';
import { requireAdmin } from '../domain/policy';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { batchGet } from './batch-get';
import { channelReferenceStep } from './groups';
import { keys } from './keys';
import { decodeCursor, type Page, type PageRequest, pageOf } from './pagination';
import { isConditionFailure, StaleRecord, transactWrite, versionCondition, withFreshRead } from './transactions';

export const CHANNEL_KINDS = ['widget', 'telegram', 'whatsapp', 'api'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

const required = requiredString().trim().min(1, 'is required').max(1024, 'must be at most 1024 characters');

const origin = requiredString().refine(
  isOrigin,
  'must be an origin like https://example.com (scheme, host and port only)',
);
const ipOrRange = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], {
  error: 'must be an IP address or a CIDR range',
});

export const widgetSettingsSchema = z.strictObject({
  /** Pages the widget may be embedded on; its WebSocket handshake must come from one of them. */
  allowedOrigins: z.array(origin).min(1, 'list at least one origin').max(50, 'must list at most 50 origins'),
  /** C6: visitors from these addresses or ranges cannot open a session. */
  blockedIps: z.array(ipOrRange).max(1000, 'must list at most 1000 entries').optional(),
});

export const telegramSettingsSchema = z.strictObject({
  botToken: requiredString().regex(/^\d+:[\w-]{20,}$/, 'must be a Telegram bot token like 123456789:AAH…'),
});

export const whatsappSettingsSchema = z.strictObject({
  phoneNumberId: requiredString().regex(/^\d+$/, 'must be the numeric WhatsApp phone number id'),
  accessToken: required,
  appSecret: required,
  /** Echoed by Meta when the webhook is verified; chosen by the admin. */
  verifyToken: required,
});

export const apiSettingsSchema = z.strictObject({
  /** CH3: operator messages are POSTed here. */
  callbackUrl: requiredString().refine(isCallbackUrl, 'must be an https URL (http only for localhost or 127.0.0.1)'),
});

/** The kind-specific part of a channel: settings are validated by the schema of its kind. */
export const channelSettingsSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('widget'), settings: widgetSettingsSchema }),
  z.strictObject({ kind: z.literal('telegram'), settings: telegramSettingsSchema }),
  z.strictObject({ kind: z.literal('whatsapp'), settings: whatsappSettingsSchema }),
  z.strictObject({ kind: z.literal('api'), settings: apiSettingsSchema }),
]);
export type ChannelSettings = z.output<typeof channelSettingsSchema>;

/** Settings fields that are write-only. */
export const SECRET_SETTINGS: Readonly<Record<ChannelKind, readonly string[]>> = {
  widget: [],
  telegram: ['botToken'],
  whatsapp: ['accessToken', 'appSecret'],
  api: [],
};

export const channelOverridesSchema = z.strictObject({
  /** T11: this channel's own auto-close period for `in_progress` tickets. */
  autoCloseMinutes: z.int('must be a whole number').min(1, 'must be at least 1').max(525_600, 'must be at most a year'),
});

const common = {
  name: displayName(),
  defaultGroupId: requiredString().min(1, 'is required').max(100, 'is not a group id'),
  enabled: z.boolean().default(true),
  overrides: channelOverridesSchema.partial().default({}),
};

export const channelCreateSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...common, kind: z.literal('widget'), settings: widgetSettingsSchema }),
  z.strictObject({ ...common, kind: z.literal('telegram'), settings: telegramSettingsSchema }),
  z.strictObject({ ...common, kind: z.literal('whatsapp'), settings: whatsappSettingsSchema }),
  z.strictObject({ ...common, kind: z.literal('api'), settings: apiSettingsSchema }),
]);

/** The kind cannot change; `settings` is merged into the stored settings and the result validated for the kind. */
export const channelUpdateSchema = z
  .strictObject({
    name: displayName().optional(),
    defaultGroupId: requiredString().min(1, 'is required').max(100, 'is not a group id').optional(),
    enabled: z.boolean().optional(),
    settings: z.record(z.string(), z.unknown()).optional(),
    /** Replaces the overrides as a whole: `{}` clears them. */
    overrides: channelOverridesSchema.partial().optional(),
  })
  .refine(
    (patch) => Object.keys(patch).length > 0,
    'send at least one of name, defaultGroupId, enabled, settings, overrides',
  );

export type ChannelInput = z.output<typeof channelCreateSchema>;
export type ChannelPatch = z.output<typeof channelUpdateSchema>;

interface ChannelBase {
  channelId: string;
  name: string;
  defaultGroupId: string;
  enabled: boolean;
  overrides: { autoCloseMinutes?: number };
  createdAt: string;
  updatedAt: string;
}

/** A channel as stored, secrets included: for webhook verification and delivery, never for a response. */
export type Channel = ChannelBase & ChannelSettings & { webhookSecret: string };

/** A channel as the admin API shows it: secrets left out. */
export type ChannelView = ChannelBase & { kind: ChannelKind; settings: Record<string, unknown> };

export async function getChannel(channelId: string): Promise<Channel | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.channel(channelId) }),
  );
  return Item ? toChannel(Item) : undefined;
}

/** The ids among `channelIds` that name no channel. */
export async function missingChannels(channelIds: readonly string[]): Promise<string[]> {
  const ids = [...new Set(channelIds)];
  const found = new Set((await batchGet(ids.map(keys.channel))).map((item) => item.channelId as string));
  return ids.filter((id) => !found.has(id));
}

export function viewOf(channel: Channel): ChannelView {
  const { webhookSecret: _secret, settings, ...rest } = channel;
  const secrets = SECRET_SETTINGS[channel.kind];
  return {
    ...rest,
    settings: Object.fromEntries(Object.entries(settings).filter(([name]) => !secrets.includes(name))),
  };
}

// Admin use cases (O4): each requires an admin before anything else.

export async function listChannels(
  actor: Actor,
  page: PageRequest,
  kind: string | undefined,
): Promise<Page<ChannelView>> {
  requireAdmin(actor);
  if (kind !== undefined && !CHANNEL_KINDS.includes(kind as ChannelKind)) {
    throw invalid(`kind: must be one of ${CHANNEL_KINDS.join(', ')}`);
  }
  const listing = keys.channels();
  const ofKind = kind === undefined ? undefined : keys.channelsOfKind(kind);
  const result = await dynamo().send(
    new QueryCommand({
      TableName: readConfig().tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: ofKind ? 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)' : 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': listing.gsi1pk, ...(ofKind ? { ':prefix': ofKind.gsi1skPrefix } : {}) },
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor, listing, ofKind && { name: 'gsi1sk', prefix: ofKind.gsi1skPrefix }),
    }),
  );
  return pageOf(
    (result.Items ?? []).map((item) => viewOf(toChannel(item))),
    result.LastEvaluatedKey,
  );
}

export async function showChannel(actor: Actor, channelId: string): Promise<ChannelView> {
  requireAdmin(actor);
  return viewOf(await requireChannel(channelId));
}

/** The one response that carries the webhook secret: the admin configures the channel's sender with it now. */
export async function createChannel(
  actor: Actor,
  input: ChannelInput,
  now = new Date(),
): Promise<ChannelView & { webhookSecret: string }> {
  requireAdmin(actor);
  const channelId = newId('ch');
  const channel = {
    ...input,
    channelId,
    webhookSecret: newWebhookSecret(),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  } satisfies Channel;
  await transactWrite([
    {
      item: {
        Put: {
          TableName: readConfig().tableName,
          Item: {
            ...keys.channel(channelId),
            ...keys.channelListing(channel.kind, channelId),
            type: 'channel',
            ...channel,
            version: 1,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    },
    channelReferenceStep(channel.defaultGroupId, 1, 'defaultGroupId'),
  ]);
  return { ...viewOf(channel), webhookSecret: channel.webhookSecret };
}

export async function updateChannel(
  actor: Actor,
  channelId: string,
  patch: ChannelPatch,
  now = new Date(),
): Promise<ChannelView> {
  requireAdmin(actor);
  return withFreshRead(async () => {
    const { channel: stored, version } = await readChannelItem(channelId);
    const parsed = channelSettingsSchema.safeParse({
      kind: stored.kind,
      settings: { ...stored.settings, ...patch.settings },
    });
    if (!parsed.success) throw invalid(describeIssues(parsed.error.issues));
    const next = {
      ...stored,
      ...parsed.data,
      name: patch.name ?? stored.name,
      defaultGroupId: patch.defaultGroupId ?? stored.defaultGroupId,
      enabled: patch.enabled ?? stored.enabled,
      overrides: patch.overrides ?? stored.overrides,
      updatedAt: now.toISOString(),
    } satisfies Channel;
    const condition = versionCondition(version);
    const groupChanged = next.defaultGroupId !== stored.defaultGroupId;
    await transactWrite([
      {
        item: {
          Update: {
            TableName: readConfig().tableName,
            Key: keys.channel(channelId),
            UpdateExpression:
              'SET #name = :name, #defaultGroupId = :group, #enabled = :enabled, #settings = :settings, ' +
              '#overrides = :overrides, #updatedAt = :updatedAt, version = :nextVersion',
            ConditionExpression: `attribute_exists(pk) AND ${condition.expression}`,
            ExpressionAttributeNames: {
              '#name': 'name',
              '#defaultGroupId': 'defaultGroupId',
              '#enabled': 'enabled',
              '#settings': 'settings',
              '#overrides': 'overrides',
              '#updatedAt': 'updatedAt',
            },
            ExpressionAttributeValues: {
              ':name': next.name,
              ':group': next.defaultGroupId,
              ':enabled': next.enabled,
              ':settings': next.settings,
              ':overrides': next.overrides,
              ':updatedAt': next.updatedAt,
              ':nextVersion': version + 1,
              ...condition.values,
            },
          },
        },
        onConditionFailed: () => new StaleRecord(),
      },
      ...(groupChanged
        ? [
            channelReferenceStep(next.defaultGroupId, 1, 'defaultGroupId'),
            channelReferenceStep(stored.defaultGroupId, -1, 'defaultGroupId'),
          ]
        : []),
    ]);
    return viewOf(next);
  });
}

/** Issues a new webhook secret; the old one stops working at once. */
export async function rotateChannelSecret(
  actor: Actor,
  channelId: string,
  now = new Date(),
): Promise<{ channelId: string; webhookSecret: string }> {
  requireAdmin(actor);
  const webhookSecret = newWebhookSecret();
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: readConfig().tableName,
        Key: keys.channel(channelId),
        UpdateExpression: 'SET webhookSecret = :secret, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':secret': webhookSecret, ':now': now.toISOString() },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw channelNotFound(channelId);
    throw error;
  }
  return { channelId, webhookSecret };
}

async function requireChannel(channelId: string): Promise<Channel> {
  const channel = await getChannel(channelId);
  if (!channel) throw channelNotFound(channelId);
  return channel;
}

async function readChannelItem(channelId: string): Promise<{ channel: Channel; version: number }> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.channel(channelId), ConsistentRead: true }),
  );
  if (!Item) throw channelNotFound(channelId);
  return { channel: toChannel(Item), version: (Item.version as number | undefined) ?? 0 };
}

function newWebhookSecret(): string {
  return randomBytes(32).toString('hex');
}

function channelNotFound(channelId: string) {
  return notFound(`Channel '${channelId}' does not exist.`);
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

function isCallbackUrl(value: string): boolean {
  try {
    const url = new URL(value);
    if (url.protocol === 'https:') return true;
    return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1');
  } catch {
    return false;
  }
}

function toChannel(item: Record<string, unknown>): Channel {
  // Stored settings were validated on write; parsing again narrows them back to their kind without a cast.
  return {
    channelId: item.channelId as string,
    name: item.name as string,
    defaultGroupId: item.defaultGroupId as string,
    enabled: item.enabled as boolean,
    overrides: (item.overrides as ChannelBase['overrides'] | undefined) ?? {},
    webhookSecret: item.webhookSecret as string,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    ...channelSettingsSchema.parse({ kind: item.kind, settings: item.settings }),
  };
}

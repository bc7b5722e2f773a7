// Channel administration (CH1, O4): list (optionally by kind), create, show, update, rotate the webhook secret. Each
// requires an admin first; the webhook secret is returned only by the responses that create or rotate it.
import { randomBytes } from 'node:crypto';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Actor } from '../../domain/actors';
import { describeIssues, invalid, notFound } from '../../domain/errors';
import { displayName, requiredString } from '../../domain/fields';
import { newId } from '../../domain/ids';
import { requireAdmin } from '../../domain/policy';
import { dynamo } from '../../platform/aws-clients';
import { readConfig } from '../../platform/config';
import {
  apiSettingsSchema,
  CHANNEL_KINDS,
  type Channel,
  type ChannelConfig,
  type ChannelKind,
  type ChannelView,
  channelOverridesSchema,
  channelSecretItem,
  forgetKeptChannel,
  getChannel,
  publicSettings,
  SECRET_SETTINGS,
  settingsSchemaOf,
  telegramSettingsSchema,
  toChannelConfig,
  viewOf,
  whatsappSettingsSchema,
  widgetSettingsSchema,
} from '../../store/channels';
import { channelReferenceStep } from '../../store/groups';
import { keys } from '../../store/keys';
import { listingPage, type Page, type PageRequest } from '../../store/pagination';
import { StaleRecord, transactWrite, versionCondition, withFreshRead } from '../../store/transactions';

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

export async function listChannels(
  actor: Actor,
  page: PageRequest,
  kind: string | undefined,
): Promise<Page<ChannelView>> {
  requireAdmin(actor);
  if (kind !== undefined && !CHANNEL_KINDS.includes(kind as ChannelKind)) {
    throw invalid(`kind: must be one of ${CHANNEL_KINDS.join(', ')}`);
  }
  const ofKind = kind === undefined ? undefined : keys.channelsOfKind(kind);
  return listingPage(keys.channels(), page, (item) => viewOf(toChannelConfig(item)), ofKind);
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
            ...viewOf(channel),
            version: 1,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    },
    // X2: secrets go to their own item, which IAM lets only verifying and delivering functions read.
    { item: { Put: { TableName: readConfig().tableName, Item: channelSecretItem(channel) } } },
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
  const view = await withFreshRead(async () => {
    const { channel: stored, version, legacySecrets } = await readChannelItem(channelId);
    // The stored secrets are never read here (X2): the public settings are validated merged, the secrets sent alone.
    const secretNames: readonly string[] = SECRET_SETTINGS[stored.kind];
    const sent = patch.settings ?? {};
    const secretPatch = Object.fromEntries(Object.entries(sent).filter(([name]) => secretNames.includes(name)));
    const kindSchema = settingsSchemaOf(stored.kind);
    const parsed = kindSchema
      .omit(Object.fromEntries(secretNames.map((name) => [name, true])) as Record<string, true>)
      .safeParse({ ...stored.settings, ...publicSettings(stored.kind, sent) });
    if (!parsed.success) throw invalid(describeIssues(inSettings(parsed.error.issues)));
    const secrets = kindSchema
      .pick(Object.fromEntries(Object.keys(secretPatch).map((name) => [name, true])) as Record<string, true>)
      .safeParse(secretPatch);
    if (!secrets.success) throw invalid(describeIssues(inSettings(secrets.error.issues)));
    const next = {
      ...stored,
      settings: parsed.data,
      name: patch.name ?? stored.name,
      defaultGroupId: patch.defaultGroupId ?? stored.defaultGroupId,
      enabled: patch.enabled ?? stored.enabled,
      overrides: patch.overrides ?? stored.overrides,
      updatedAt: now.toISOString(),
    } as ChannelConfig;
    // A channel stored before secrets had their own item moves them there now, since its settings are rewritten.
    const secretValues: Record<string, unknown> = { ...legacySecrets, ...secrets.data };
    const secretNamesSent = Object.keys(secretValues);
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
              '#overrides = :overrides, #updatedAt = :updatedAt, version = :nextVersion REMOVE webhookSecret',
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
      ...(secretNamesSent.length
        ? [
            {
              item: {
                Update: {
                  TableName: readConfig().tableName,
                  Key: keys.channelSecret(channelId),
                  UpdateExpression: `SET ${secretNamesSent.map((_, i) => `#s${i} = :s${i}`).join(', ')}, #type = :type, channelId = :id`,
                  ExpressionAttributeNames: {
                    '#type': 'type',
                    ...Object.fromEntries(secretNamesSent.map((name, i) => [`#s${i}`, name])),
                  },
                  ExpressionAttributeValues: {
                    ':type': 'channelSecret',
                    ':id': channelId,
                    ...Object.fromEntries(secretNamesSent.map((name, i) => [`:s${i}`, secretValues[name]])),
                  },
                },
              },
            },
          ]
        : []),
      ...(groupChanged
        ? [
            channelReferenceStep(next.defaultGroupId, 1, 'defaultGroupId'),
            channelReferenceStep(stored.defaultGroupId, -1, 'defaultGroupId'),
          ]
        : []),
    ]);
    return viewOf(next);
  });
  // This process's webhook reads the changed channel afresh; other instances within CHANNEL_CACHE_MS.
  forgetKeptChannel(channelId);
  return view;
}

/**
 * Issues a new webhook secret; the old one stops working at once in this process and within CHANNEL_CACHE_MS in every
 * other webhook instance (a kept channel is read afresh when a request fails against it, so the new one works at once).
 */
export async function rotateChannelSecret(
  actor: Actor,
  channelId: string,
  now = new Date(),
): Promise<{ channelId: string; webhookSecret: string }> {
  requireAdmin(actor);
  const webhookSecret = newWebhookSecret();
  const table = readConfig().tableName;
  try {
    await dynamo().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: table,
              Key: keys.channel(channelId),
              UpdateExpression: 'SET updatedAt = :now REMOVE webhookSecret',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':now': now.toISOString() },
            },
          },
          {
            Update: {
              TableName: table,
              Key: keys.channelSecret(channelId),
              UpdateExpression: 'SET webhookSecret = :secret, #type = :type, channelId = :id',
              ExpressionAttributeNames: { '#type': 'type' },
              ExpressionAttributeValues: { ':secret': webhookSecret, ':type': 'channelSecret', ':id': channelId },
            },
          },
        ],
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name === 'TransactionCanceledException') throw channelNotFound(channelId);
    throw error;
  }
  forgetKeptChannel(channelId);
  return { channelId, webhookSecret };
}

async function requireChannel(channelId: string): Promise<ChannelConfig> {
  const channel = await getChannel(channelId);
  if (!channel) throw channelNotFound(channelId);
  return channel;
}

async function readChannelItem(
  channelId: string,
): Promise<{ channel: ChannelConfig; version: number; legacySecrets: Record<string, unknown> }> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.channel(channelId), ConsistentRead: true }),
  );
  if (!Item) throw channelNotFound(channelId);
  const kind = Item.kind as ChannelKind;
  const settings = (Item.settings ?? {}) as Record<string, unknown>;
  const legacySecrets = Object.fromEntries(
    [...SECRET_SETTINGS[kind].map((name) => [name, settings[name]]), ['webhookSecret', Item.webhookSecret]].filter(
      ([, value]) => value !== undefined,
    ),
  );
  return { channel: toChannelConfig(Item), version: (Item.version as number | undefined) ?? 0, legacySecrets };
}

/** Issues of a settings object, named as fields of the request's `settings`. */
function inSettings(issues: readonly z.core.$ZodIssue[]) {
  return issues.map((issue) => ({ ...issue, path: ['settings', ...issue.path] }));
}

function newWebhookSecret(): string {
  return randomBytes(32).toString('hex');
}

function channelNotFound(channelId: string) {
  return notFound(`Channel '${channelId}' does not exist.`);
}

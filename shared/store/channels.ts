// Channels (CH1): where clients write from — widget, Telegram, WhatsApp or any system calling the API — each with its
// default group, its webhook secret and kind-specific settings. The record, its settings schemas and its reads; the
// admin use cases are in shared/use-cases/admin/channels.ts. Secrets are write-only: no view of a channel returns them.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { outboundUrlSchema } from '../channels/outbound-url';
import { requiredString } from '../domain/fields';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { KeptValues } from '../platform/kept-values';
import { batchGet } from './batch-get';
import { keys } from './keys';

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
  /** The WhatsApp Business Account the number belongs to: `npm run channel:register` checks its app subscription. */
  businessAccountId: requiredString().regex(/^\d+$/, 'must be the numeric WhatsApp Business Account id').optional(),
});

export const apiSettingsSchema = z.strictObject({
  /** CH3: operator messages are POSTed here; X3: checked by the outbound-URL guard when saved and at each send. */
  callbackUrl: outboundUrlSchema(),
});

/** The kind-specific part of a channel: settings are validated by the schema of its kind. */
export const channelSettingsSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('widget'), settings: widgetSettingsSchema }),
  z.strictObject({ kind: z.literal('telegram'), settings: telegramSettingsSchema }),
  z.strictObject({ kind: z.literal('whatsapp'), settings: whatsappSettingsSchema }),
  z.strictObject({ kind: z.literal('api'), settings: apiSettingsSchema }),
]);
export type ChannelSettings = z.output<typeof channelSettingsSchema>;

/** The settings schema of one kind. */
export function settingsSchemaOf(kind: ChannelKind) {
  return {
    widget: widgetSettingsSchema,
    telegram: telegramSettingsSchema,
    whatsapp: whatsappSettingsSchema,
    api: apiSettingsSchema,
  }[kind] as z.ZodObject<Record<string, z.ZodType>, z.core.$strict>;
}

/**
 * X2: settings fields that are secrets. They live in the channel's secret item (CHANNELSECRET#id) beside its webhook
 * secret, which only the functions that verify or deliver may read; no response ever returns them.
 */
export const SECRET_SETTINGS = {
  widget: [],
  telegram: ['botToken'],
  whatsapp: ['accessToken', 'appSecret', 'verifyToken'],
  api: [],
} as const satisfies Readonly<Record<ChannelKind, readonly string[]>>;
type SecretSetting = (typeof SECRET_SETTINGS)[ChannelKind][number];

/** Whether a channel of this kind has any secret to read besides its webhook secret. */
export const hasSecretSettings = (kind: ChannelKind) => SECRET_SETTINGS[kind].length > 0;

export const channelOverridesSchema = z.strictObject({
  /** T11: this channel's own auto-close period for `in_progress` tickets. */
  autoCloseMinutes: z.int('must be a whole number').min(1, 'must be at least 1').max(525_600, 'must be at most a year'),
});

interface ChannelBase {
  channelId: string;
  name: string;
  defaultGroupId: string;
  enabled: boolean;
  overrides: { autoCloseMinutes?: number };
  createdAt: string;
  updatedAt: string;
}

/** A channel with its secrets: for webhook verification and delivery only, never for a response. */
export type Channel = ChannelBase & ChannelSettings & { webhookSecret: string };

type WithoutSecrets<T> = T extends { settings: infer S }
  ? Omit<T, 'settings'> & { settings: Omit<S, SecretSetting> }
  : T;

/** A channel's configuration as every function may read it (X2): no secrets. */
export type ChannelConfig = ChannelBase & WithoutSecrets<ChannelSettings>;

/** A channel as the admin API shows it: secrets left out. */
export type ChannelView = ChannelBase & { kind: ChannelKind; settings: Record<string, unknown> };

/** The channel's configuration, without secrets. */
export async function getChannel(channelId: string): Promise<ChannelConfig | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.channel(channelId) }),
  );
  return Item ? toChannelConfig(Item) : undefined;
}

/**
 * The channel with its secrets, for verification and delivery: the configuration and the secret item in one BatchGet
 * round trip. Only functions granted the CHANNELSECRET# family may call it (X2).
 */
export async function getChannelWithSecrets(channelId: string): Promise<Channel | undefined> {
  const items = await batchGet([keys.channel(channelId), keys.channelSecret(channelId)]);
  const config = items.find((item) => item.type !== 'channelSecret');
  if (!config) return undefined;
  return withSecretItem(
    config,
    items.find((item) => item.type === 'channelSecret'),
  );
}

/**
 * How long a function instance keeps a channel it read for its webhook. A busy channel's webhook skips that round trip;
 * a request whose signature fails against the kept copy is checked again against a fresh read, so a rotated secret
 * takes effect at once, and a disabled or changed channel takes effect within this long in AWS (at once in the
 * process that made the change: the local stack and tests).
 */
export const CHANNEL_CACHE_MS = 30_000;
/** Channels kept at most, so requests for many ids cannot grow an instance's memory. */
const keptChannels = new KeptValues<Channel>(CHANNEL_CACHE_MS, 200);

/** The channel with its secrets as the webhook uses it: kept for CHANNEL_CACHE_MS, or read (and kept) when `fresh`. */
export async function webhookChannel(
  channelId: string,
  options: { fresh?: boolean; nowMs?: number } = {},
): Promise<{ channel: Channel | undefined; kept: boolean }> {
  const nowMs = options.nowMs ?? Date.now();
  const kept = options.fresh ? undefined : keptChannels.get(channelId, nowMs);
  if (kept) return { channel: kept.value, kept: true };
  const channel = await getChannelWithSecrets(channelId);
  // A missing channel is not kept: one created a moment later works at once.
  if (channel) keptChannels.set(channelId, channel, nowMs);
  else keptChannels.forget(channelId);
  return { channel, kept: false };
}

/** A channel changed here: this process's webhook reads it afresh next time. */
export function forgetKeptChannel(channelId: string): void {
  keptChannels.forget(channelId);
}

/** The secrets of a channel whose configuration was read already; a widget has none, so nothing is read for it. */
export async function readChannelSecrets(channel: ChannelConfig): Promise<Channel> {
  // Widgets receive no webhooks and deliver over the visitor's own socket: there is nothing secret to read.
  if (channel.kind === 'widget') return { ...channel, webhookSecret: '' };
  const secretItem = await dynamo()
    .send(new GetCommand({ TableName: readConfig().tableName, Key: keys.channelSecret(channel.channelId) }))
    .then((result) => result.Item);
  return withSecretItem({ ...channel, type: 'channel' }, secretItem);
}

function withSecretItem(config: Record<string, unknown>, secretItem: Record<string, unknown> | undefined): Channel {
  const kind = config.kind as ChannelKind;
  // Channels written before secrets had their own item still carry them in the configuration item.
  const stored = (config.settings ?? {}) as Record<string, unknown>;
  const secrets = Object.fromEntries(
    SECRET_SETTINGS[kind].map((name) => [name, secretItem?.[name] ?? stored[name]]).filter(([, value]) => value),
  );
  return toChannel({
    ...config,
    settings: { ...stored, ...secrets },
    webhookSecret: secretItem?.webhookSecret ?? config.webhookSecret,
  });
}

/** The secret item of a channel: its webhook secret and the secret settings of its kind. */
export function channelSecretItem(channel: Pick<Channel, 'channelId' | 'kind' | 'webhookSecret' | 'settings'>) {
  const settings = channel.settings as Record<string, unknown>;
  return {
    ...keys.channelSecret(channel.channelId),
    type: 'channelSecret',
    channelId: channel.channelId,
    webhookSecret: channel.webhookSecret,
    ...Object.fromEntries(SECRET_SETTINGS[channel.kind].map((name) => [name, settings[name]])),
  };
}

/** The settings of a channel with its secret fields left out, as the configuration item stores them. */
export function publicSettings(kind: ChannelKind, settings: Record<string, unknown>): Record<string, unknown> {
  const secrets: readonly string[] = SECRET_SETTINGS[kind];
  return Object.fromEntries(Object.entries(settings).filter(([name]) => !secrets.includes(name)));
}

/** The ids among `channelIds` that name no channel. */
export async function missingChannels(channelIds: readonly string[]): Promise<string[]> {
  const ids = [...new Set(channelIds)];
  const found = new Set((await batchGet(ids.map(keys.channel))).map((item) => item.channelId as string));
  return ids.filter((id) => !found.has(id));
}

export function viewOf(channel: ChannelConfig | Channel): ChannelView {
  const { settings, ...rest } = channel;
  const { webhookSecret: _secret, ...base } = rest as typeof rest & { webhookSecret?: string };
  return { ...base, settings: publicSettings(channel.kind, settings as Record<string, unknown>) };
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

/** The configuration item as every function reads it; secret fields of older items are dropped, not returned. */
export function toChannelConfig(item: Record<string, unknown>): ChannelConfig {
  const { webhookSecret: _secret, ...channel } = toChannelUnchecked(item);
  return { ...channel, settings: publicSettings(channel.kind, channel.settings) } as ChannelConfig;
}

function toChannelUnchecked(item: Record<string, unknown>) {
  const kind = item.kind as ChannelKind;
  return {
    channelId: item.channelId as string,
    name: item.name as string,
    defaultGroupId: item.defaultGroupId as string,
    enabled: item.enabled as boolean,
    overrides: (item.overrides as ChannelBase['overrides'] | undefined) ?? {},
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    webhookSecret: item.webhookSecret as string | undefined,
    kind,
    settings: (item.settings ?? {}) as Record<string, unknown>,
  };
}

export function toChannel(item: Record<string, unknown>): Channel {
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

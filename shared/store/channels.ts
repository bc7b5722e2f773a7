// Channels (CH1): where clients write from — widget, Telegram, WhatsApp or any system calling the API — each with its
// default group, its webhook secret and kind-specific settings. The record, its settings schemas and its reads; the
// admin use cases are in shared/use-cases/admin/channels.ts. Secrets are write-only: no view of a channel returns them.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { requiredString } from '../domain/fields';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
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

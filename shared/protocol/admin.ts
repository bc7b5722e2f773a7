// The admin API's answers (O4, W1, W2): operators, groups, channels, categories and outgoing webhooks as stored, and
// the one-time secrets. Their requests are the admin use cases' own schemas (shared/use-cases/admin/); the settings
// document is shared/store/settings.ts's schema. Browser-safe: zod only.
import * as z from 'zod';
import { category, pageOf } from './entities';

const iso = z.string();

export const adminOperator = z.object({
  operatorId: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.enum(['operator', 'supervisor', 'admin']),
  groupIds: z.array(z.string()),
  capacity: z.number().int(),
  enabled: z.boolean(),
  createdAt: iso,
  updatedAt: iso,
});

export const adminGroup = z.object({
  groupId: z.string(),
  name: z.string(),
  strategy: z.enum(['manual', 'least_busy', 'round_robin']),
  memberCount: z.number().int(),
  channelCount: z.number().int(),
  createdAt: iso,
  updatedAt: iso,
});

/** A channel without its secrets; `webhookUrl` is the address to register with the provider (none for a widget). */
export const adminChannel = z.object({
  channelId: z.string(),
  name: z.string(),
  kind: z.enum(['widget', 'telegram', 'whatsapp', 'api']),
  defaultGroupId: z.string(),
  enabled: z.boolean(),
  settings: z.record(z.string(), z.unknown()),
  overrides: z.object({ autoCloseMinutes: z.number().optional() }),
  webhookUrl: z.string().optional(),
  createdAt: iso,
  updatedAt: iso,
});

export const adminWebhook = z.object({
  webhookId: z.string(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  enabled: z.boolean(),
  description: z.string().optional(),
  disabledReason: z.string().optional(),
  disabledAt: iso.optional(),
  failingSince: iso.optional(),
  lastError: z.string().optional(),
  createdAt: iso,
  updatedAt: iso,
});

export const webhookAttempt = z.object({
  eventId: z.string(),
  eventType: z.string(),
  at: iso,
  status: z.number().int().optional(),
  latencyMs: z.number(),
  outcome: z.enum(['delivered', 'retry', 'failed', 'gone', 'refused', 'given_up']),
  error: z.string().optional(),
  nextAttemptAt: iso.optional(),
});

export const webhookEventRecord = z.object({
  id: z.string(),
  type: z.string(),
  createdAt: iso,
  data: z.unknown(),
  webhookId: z.string(),
  state: z.string(),
  attempts: z.number().int(),
  lastStatus: z.number().int().optional(),
  lastError: z.string().optional(),
  deliveredAt: iso.optional(),
  failedAt: iso.optional(),
});

/** Each admin route's answer, by `<resource>.<use case>` (functions/routes/admin.ts); 204s answer nothing. */
export const adminReplies = {
  'operators.list': pageOf(adminOperator),
  'operators.create': adminOperator,
  'operators.show': adminOperator,
  'operators.update': adminOperator,
  'groups.list': pageOf(adminGroup),
  'groups.create': adminGroup,
  'groups.show': adminGroup.extend({ operatorIds: z.array(z.string()) }),
  'groups.update': adminGroup,
  'channels.list': pageOf(adminChannel),
  /** The webhook secret is shown this once. */
  'channels.create': adminChannel.extend({ webhookSecret: z.string() }),
  'channels.show': adminChannel,
  'channels.update': adminChannel,
  'channels.rotateSecret': z.object({ channelId: z.string(), webhookSecret: z.string() }),
  'categories.list': z.object({ items: z.array(category) }),
  'categories.create': category,
  'categories.rename': category,
  'webhooks.list': pageOf(adminWebhook),
  /** The signing secret is shown this once (and on rotation). */
  'webhooks.create': adminWebhook.extend({ secret: z.string() }),
  'webhooks.show': adminWebhook,
  'webhooks.update': adminWebhook,
  'webhooks.disable': adminWebhook,
  'webhooks.rotateSecret': z.object({ webhookId: z.string(), secret: z.string() }),
  'webhooks.attempts': z.object({ items: z.array(webhookAttempt) }),
  'webhooks.showEvent': webhookEventRecord,
  'webhooks.replayEvent': z.object({ webhookId: z.string(), eventId: z.string(), state: z.literal('pending') }),
} as const;

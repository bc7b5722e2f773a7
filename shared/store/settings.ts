// Deployment settings (O4): auto-close periods (T11), SLA thresholds (S1), privacy consent (P1), limits (M4) and
// outbound start by phone (CH4) — one item, read with defaults filled in. Its schema and the per-channel lookups live
// here; replacing it is an admin use case (shared/use-cases/admin/settings.ts).
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { keys } from './keys';

export const SLA_STEP_SECONDS = 30;
export const MAX_TEXT_LENGTH = 2000;
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

/** S1: whole seconds, at least 30 and a multiple of 30. */
function thresholdSeconds(whenMissing: string) {
  return z
    .int({ error: (issue) => (issue.input === undefined ? whenMissing : 'must be a whole number of seconds') })
    .refine((seconds) => seconds >= SLA_STEP_SECONDS, {
      message: `must be at least ${SLA_STEP_SECONDS} seconds`,
      abort: true,
    })
    .refine((seconds) => seconds % SLA_STEP_SECONDS === 0, `must be a multiple of ${SLA_STEP_SECONDS} seconds`);
}

export const slaThresholdsSchema = z
  .strictObject(
    {
      warningSeconds: thresholdSeconds('is required').optional(),
      deadlineSeconds: thresholdSeconds('deadline is required'),
    },
    { error: (issue) => (issue.input === undefined ? 'deadline is required' : undefined) },
  )
  .refine((t) => t.warningSeconds === undefined || t.warningSeconds < t.deadlineSeconds, {
    message: 'must be less than the deadline',
    path: ['warningSeconds'],
  });
export type SlaThresholds = z.output<typeof slaThresholdsSchema>;

/** R5: a sustained rate per second and the burst allowed after a quiet spell. */
function rateRuleSchema(defaults: { perSecond: number; burst: number }) {
  return z
    .strictObject({
      perSecond: z.number('must be a number').min(0.1, 'must be at least 0.1').max(1000, 'must be at most 1000'),
      burst: z.int('must be a whole number').min(1, 'must be at least 1').max(10_000, 'must be at most 10000'),
    })
    .default(defaults);
}

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const settingsSchema = z.strictObject({
  autoClose: z
    .strictObject({
      /** T11: an `in_progress` ticket with no message for this long closes (channels may override). */
      inProgressMinutes: z
        .int('must be a whole number of minutes')
        .min(1, 'must be at least 1 minute')
        .max(525_600, 'must be at most a year')
        .default(1440),
      unassignedDays: z
        .int('must be a whole number of days')
        .min(1, 'must be at least 1 day')
        .max(365, 'must be at most 365 days')
        .default(30),
    })
    .prefault({}),
  /** S1: absent or null means no SLA timing at all. */
  sla: z
    .strictObject({
      enabled: z.boolean().default(true),
      default: slaThresholdsSchema,
      perChannel: z.record(z.string().min(1).max(100, 'is not a channel id'), slaThresholdsSchema).default({}),
    })
    .nullable()
    .default(null),
  privacyConsent: z
    .strictObject({
      enabled: z.boolean().default(false),
      text: z.string().max(2000, 'must be at most 2000 characters').default(''),
      policyUrl: httpUrl.optional(),
      excludedChannelIds: z
        .array(z.string().min(1).max(100, 'is not a channel id'))
        .max(100, 'must list at most 100 channels')
        .default([]),
    })
    .refine((consent) => !consent.enabled || consent.text.trim().length > 0, {
      message: 'is required when consent is enabled',
      path: ['text'],
    })
    .refine((consent) => !consent.enabled || consent.policyUrl !== undefined, {
      message: 'is required when consent is enabled',
      path: ['policyUrl'],
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** M4 */
      maxTextLength: z
        .int('must be a whole number')
        .min(1, 'must be at least 1')
        .max(MAX_TEXT_LENGTH, `must be at most ${MAX_TEXT_LENGTH}`)
        .default(MAX_TEXT_LENGTH),
      /** M4: all attachments of one send together. */
      maxAttachmentBytes: z
        .int('must be a whole number')
        .min(1, 'must be at least 1')
        .max(MAX_ATTACHMENT_BYTES, `must be at most ${MAX_ATTACHMENT_BYTES} (20 MB)`)
        .default(MAX_ATTACHMENT_BYTES),
      widgetSessionsPerIpPerMinute: z
        .int('must be a whole number')
        .min(1, 'must be at least 1')
        .max(1000, 'must be at most 1000')
        .default(10),
      /** R5: chat messages of one widget visitor. */
      visitorMessages: rateRuleSchema({ perSecond: 1, burst: 5 }),
      /** R5: actions on one operator connection. */
      operatorActions: rateRuleSchema({ perSecond: 20, burst: 40 }),
    })
    .prefault({}),
  /** M1: uploads of types beyond the allowlist (images, video, audio, PDF, Office, TXT, RTF) stored as documents. */
  attachments: z.strictObject({ allowAnyFile: z.boolean().default(false) }).prefault({}),
  /** CH4: operators may start a WhatsApp dialog by phone number (a template message). */
  outboundByPhone: z.strictObject({ whatsapp: z.boolean().default(false) }).prefault({}),
});

export type Settings = z.output<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = settingsSchema.parse({});

/** S1: the thresholds that time a ticket of this channel, or none when SLA is off. */
export function slaThresholdsFor(settings: Settings, channelId: string): SlaThresholds | undefined {
  if (!settings.sla?.enabled) return undefined;
  return settings.sla.perChannel[channelId] ?? settings.sla.default;
}

/** T11: the channel's own period wins over the deployment's. */
export function autoCloseMinutesFor(settings: Settings, channel: { overrides: { autoCloseMinutes?: number } }): number {
  return channel.overrides.autoCloseMinutes ?? settings.autoClose.inProgressMinutes;
}

/** P1: whether a new client of this channel is asked for consent before its first dialog. */
export function consentRequiredFor(settings: Settings, channelId: string): boolean {
  return settings.privacyConsent.enabled && !settings.privacyConsent.excludedChannelIds.includes(channelId);
}

/** Channel ids the settings refer to, so a typo is rejected rather than silently never matching. */
export function channelIdsIn(settings: Settings): string[] {
  return [...Object.keys(settings.sla?.perChannel ?? {}), ...settings.privacyConsent.excludedChannelIds];
}

export async function readSettings(): Promise<Settings> {
  const { Item } = await dynamo().send(new GetCommand({ TableName: readConfig().tableName, Key: keys.settings() }));
  // Stored documents were validated on write; parsing fills in defaults added since.
  return Item ? settingsSchema.parse(Item.settings) : DEFAULT_SETTINGS;
}

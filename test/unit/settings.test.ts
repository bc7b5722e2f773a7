// Settings and channel settings validation (S1, P1, M4, CH1): readable messages naming the field, defaults filled in.
import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { describeIssues } from '../../shared/domain/errors';
import { channelSettingsSchema } from '../../shared/store/channels';
import {
  autoCloseMinutesFor,
  consentRequiredFor,
  DEFAULT_SETTINGS,
  MAX_ATTACHMENT_BYTES,
  settingsSchema,
  slaThresholdsFor,
} from '../../shared/store/settings';
import { channelCreateSchema } from '../../shared/use-cases/admin/channels';

/** 'ok' or the message the API would answer with (400 `invalid`). */
function verdict(schema: z.ZodType, input: unknown): string {
  const parsed = schema.safeParse(input);
  return parsed.success ? 'ok' : describeIssues(parsed.error.issues);
}

const withSla = (thresholds: Record<string, unknown>, perChannel: Record<string, unknown> = {}) => ({
  sla: { default: thresholds, perChannel },
});

describe('S1 SLA thresholds', () => {
  it.each([
    ['S1: 29 s is rejected', { deadlineSeconds: 29 }, 'sla.default.deadlineSeconds: must be at least 30 seconds'],
    ['S1: 45 s is rejected', { deadlineSeconds: 45 }, 'sla.default.deadlineSeconds: must be a multiple of 30 seconds'],
    ['S1: 0 s is rejected', { deadlineSeconds: 0 }, 'sla.default.deadlineSeconds: must be at least 30 seconds'],
    [
      'S1: a fraction is rejected',
      { deadlineSeconds: 30.5 },
      'sla.default.deadlineSeconds: must be a whole number of seconds',
    ],
    ['S1: 30 s is accepted', { deadlineSeconds: 30 }, 'ok'],
    ['S1: 60 s warning, 90 s deadline is accepted', { warningSeconds: 60, deadlineSeconds: 90 }, 'ok'],
    ['S1: warning alone is accepted', { deadlineSeconds: 90 }, 'ok'],
    ['S1: a missing deadline is rejected', { warningSeconds: 60 }, 'sla.default.deadlineSeconds: deadline is required'],
    [
      'S1: warning 45 s is rejected',
      { warningSeconds: 45, deadlineSeconds: 90 },
      'sla.default.warningSeconds: must be a multiple of 30 seconds',
    ],
    [
      'S1: warning equal to the deadline is rejected',
      { warningSeconds: 90, deadlineSeconds: 90 },
      'sla.default.warningSeconds: must be less than the deadline',
    ],
    [
      'S1: warning after the deadline is rejected',
      { warningSeconds: 120, deadlineSeconds: 90 },
      'sla.default.warningSeconds: must be less than the deadline',
    ],
    [
      'S1: an unknown field is rejected',
      { deadlineSeconds: 90, deadline: 60 },
      'sla.default: Unrecognized key: "deadline"',
    ],
  ])('%s', (_name, thresholds, expected) => {
    expect(verdict(settingsSchema, withSla(thresholds))).toBe(expected);
  });

  it('S1: an SLA without a default deadline is rejected', () => {
    expect(verdict(settingsSchema, { sla: {} })).toBe('sla.default: deadline is required');
  });

  it('S1: per-channel thresholds follow the same rules', () => {
    const perChannel = { ch_a: { deadlineSeconds: 120 }, ch_b: { warningSeconds: 29, deadlineSeconds: 60 } };
    expect(verdict(settingsSchema, withSla({ deadlineSeconds: 300 }, perChannel))).toBe(
      'sla.perChannel.ch_b.warningSeconds: must be at least 30 seconds',
    );
    expect(verdict(settingsSchema, withSla({ deadlineSeconds: 300 }, { ch_c: {} }))).toBe(
      'sla.perChannel.ch_c.deadlineSeconds: deadline is required',
    );
  });

  it('S1: a channel override wins over the default; a disabled or absent SLA times nothing', () => {
    const settings = settingsSchema.parse(
      withSla({ warningSeconds: 60, deadlineSeconds: 300 }, { ch_a: { deadlineSeconds: 120 } }),
    );
    expect(slaThresholdsFor(settings, 'ch_a')).toEqual({ deadlineSeconds: 120 });
    expect(slaThresholdsFor(settings, 'ch_other')).toEqual({ warningSeconds: 60, deadlineSeconds: 300 });
    const disabled = settingsSchema.parse({ sla: { enabled: false, default: { deadlineSeconds: 300 } } });
    expect(slaThresholdsFor(disabled, 'ch_a')).toBeUndefined();
    expect(slaThresholdsFor(DEFAULT_SETTINGS, 'ch_a')).toBeUndefined();
  });
});

describe('O4 settings document', () => {
  it('O4: an empty document reads as the defaults', () => {
    expect(settingsSchema.parse({})).toEqual({
      autoClose: { inProgressMinutes: 1440, unassignedDays: 30 },
      sla: null,
      privacyConsent: { enabled: false, text: '', excludedChannelIds: [] },
      limits: {
        maxTextLength: 2000,
        maxAttachmentBytes: MAX_ATTACHMENT_BYTES,
        widgetSessionsPerIpPerMinute: 10,
        visitorMessages: { perSecond: 1, burst: 5 },
        operatorActions: { perSecond: 20, burst: 40 },
      },
      attachments: { allowAnyFile: false },
      outboundByPhone: { whatsapp: false },
    });
  });

  it('O4: a partial section keeps the defaults of the fields it leaves out', () => {
    expect(settingsSchema.parse({ limits: { maxTextLength: 500 } }).limits).toEqual({
      maxTextLength: 500,
      maxAttachmentBytes: MAX_ATTACHMENT_BYTES,
      widgetSessionsPerIpPerMinute: 10,
      visitorMessages: { perSecond: 1, burst: 5 },
      operatorActions: { perSecond: 20, burst: 40 },
    });
  });

  it.each([
    [
      'T11: zero minutes',
      { autoClose: { inProgressMinutes: 0 } },
      'autoClose.inProgressMinutes: must be at least 1 minute',
    ],
    ['M4: text over 2000', { limits: { maxTextLength: 2001 } }, 'limits.maxTextLength: must be at most 2000'],
    [
      'M4: attachments over 20 MB',
      { limits: { maxAttachmentBytes: MAX_ATTACHMENT_BYTES + 1 } },
      `limits.maxAttachmentBytes: must be at most ${MAX_ATTACHMENT_BYTES} (20 MB)`,
    ],
    [
      'P1: consent without text',
      { privacyConsent: { enabled: true, policyUrl: 'https://example.com/privacy' } },
      'privacyConsent.text: is required when consent is enabled',
    ],
    [
      'P1: consent without a policy link',
      { privacyConsent: { enabled: true, text: 'We store your messages.' } },
      'privacyConsent.policyUrl: is required when consent is enabled',
    ],
    [
      'P1: a policy link that is no URL',
      { privacyConsent: { policyUrl: 'privacy.html' } },
      'privacyConsent.policyUrl: must be an http(s) URL',
    ],
    [
      'P1: consent text over 2000',
      { privacyConsent: { text: 'x'.repeat(2001) } },
      'privacyConsent.text: must be at most 2000 characters',
    ],
    ['O4: a misspelt section', { limit: {} }, 'Unrecognized key: "limit"'],
  ])('%s is rejected', (_name, input, expected) => {
    expect(verdict(settingsSchema, input)).toBe(expected);
  });

  it('P1: consent applies to every channel except the excluded ones', () => {
    const settings = settingsSchema.parse({
      privacyConsent: {
        enabled: true,
        text: 'We store your messages.',
        policyUrl: 'https://example.com/privacy',
        excludedChannelIds: ['ch_api'],
      },
    });
    expect(consentRequiredFor(settings, 'ch_widget')).toBe(true);
    expect(consentRequiredFor(settings, 'ch_api')).toBe(false);
    expect(consentRequiredFor(DEFAULT_SETTINGS, 'ch_widget')).toBe(false);
  });

  it("T11: a channel's auto-close period overrides the deployment's", () => {
    expect(autoCloseMinutesFor(DEFAULT_SETTINGS, { overrides: {} })).toBe(1440);
    expect(autoCloseMinutesFor(DEFAULT_SETTINGS, { overrides: { autoCloseMinutes: 60 } })).toBe(60);
  });
});

describe('CH1 channel settings per kind', () => {
  it.each([
    [
      'widget',
      {
        allowedOrigins: ['https://shop.example.com', 'http://localhost:3000'],
        blockedIps: ['203.0.113.7', '10.0.0.0/8', '2001:db8::/32'],
      },
      'ok',
    ],
    [
      'widget',
      { allowedOrigins: ['https://shop.example.com/page'] },
      'settings.allowedOrigins.0: must be an origin like https://example.com (scheme, host and port only)',
    ],
    ['widget', { allowedOrigins: [] }, 'settings.allowedOrigins: list at least one origin'],
    [
      'widget',
      { allowedOrigins: ['https://a.example'], blockedIps: ['not-an-ip'] },
      'settings.blockedIps.0: must be an IP address or a CIDR range',
    ],
    ['widget', { allowedOrigins: ['https://a.example'], botToken: '1:x' }, 'settings: Unrecognized key: "botToken"'],
    ['telegram', { botToken: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw' }, 'ok'],
    ['telegram', { botToken: 'secret' }, 'settings.botToken: must be a Telegram bot token like 123456789:AAH…'],
    ['telegram', {}, 'settings.botToken: is required'],
    [
      'whatsapp',
      { phoneNumberId: '106540352242922', accessToken: 'EAAG…', appSecret: 'f00d', verifyToken: 'hello' },
      'ok',
    ],
    [
      'whatsapp',
      { phoneNumberId: '+1 555', accessToken: 'EAAG…', appSecret: 'f00d', verifyToken: 'hello' },
      'settings.phoneNumberId: must be the numeric WhatsApp phone number id',
    ],
    [
      'whatsapp',
      { phoneNumberId: '1', accessToken: '', appSecret: 'f00d', verifyToken: 'hello' },
      'settings.accessToken: is required',
    ],
    ['api', { callbackUrl: 'https://crm.example.com/switchboard' }, 'ok'],
    ['api', { callbackUrl: 'http://localhost:8080/hook' }, 'ok'],
    ['api', { callbackUrl: 'http://127.0.0.1:8080/hook' }, 'ok'],
    ['api', { callbackUrl: 'http://crm.example.com/hook' }, 'settings.callbackUrl: must be an https URL'],
    [
      'api',
      { callbackUrl: 'https://169.254.169.254/latest' },
      'settings.callbackUrl: 169.254.169.254 is a link-local address',
    ],
    ['api', { callbackUrl: 'ftp://localhost/hook' }, 'settings.callbackUrl: must be an https URL'],
  ])('CH1: %s settings %j → %s', (kind, settings, expected) => {
    expect(verdict(channelSettingsSchema, { kind, settings })).toBe(expected);
  });

  it('CH1: an unknown kind is rejected naming the field', () => {
    expect(verdict(channelSettingsSchema, { kind: 'email', settings: {} })).toMatch(/^kind: /);
  });

  it('CH1: a new channel defaults to enabled with no overrides', () => {
    const channel = channelCreateSchema.parse({
      kind: 'api',
      name: 'CRM',
      defaultGroupId: 'grp_1',
      settings: { callbackUrl: 'https://crm.example.com/hook' },
    });
    expect(channel).toMatchObject({ enabled: true, overrides: {} });
    expect(verdict(channelCreateSchema, { ...channel, overrides: { autoCloseMinutes: 0 } })).toBe(
      'overrides.autoCloseMinutes: must be at least 1',
    );
  });
});

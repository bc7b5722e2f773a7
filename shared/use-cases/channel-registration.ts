// Registering a channel's webhook with its provider (OP4): Telegram's setWebhook with the channel's secret token
// (checked back with getWebhookInfo), WhatsApp's app subscription on the business account (checked, made when
// missing) and the verification handshake Meta performs, run against our own webhook. Run by
// `npm run channel:register`, never by a request; it reports steps and never prints a token or secret.
import { randomBytes } from 'node:crypto';
import { postJson } from '../channels/outbound-http';
import { notFound } from '../domain/errors';
import { readConfig } from '../platform/config';
import { type Channel, getChannelWithSecrets } from '../store/channels';

export interface RegistrationStep {
  step: string;
  ok: boolean;
  detail: string;
}

export interface Registration {
  channelId: string;
  kind: Channel['kind'];
  webhookUrl: string | undefined;
  steps: RegistrationStep[];
  /** What an admin still does by hand (Meta's dashboard has no API for an app's callback URL with a user token). */
  manual: string[];
}

/** The webhook every channel kind but the widget is registered at: `<HTTP API URL>/channels/<id>/webhook`. */
export function webhookUrlOf(httpApiUrl: string, channelId: string): string {
  return `${httpApiUrl.replace(/\/+$/, '')}/channels/${encodeURIComponent(channelId)}/webhook`;
}

/** Channel kinds whose provider calls our webhook. */
export function hasWebhook(kind: Channel['kind']): boolean {
  return kind !== 'widget';
}

const TIMEOUT_MS = 10_000;

export async function registerChannel(channelId: string, httpApiUrl: string): Promise<Registration> {
  // X2: the bot token, access token and verify token live in the channel's secret item.
  const channel = await getChannelWithSecrets(channelId);
  if (!channel) throw notFound(`Channel '${channelId}' does not exist.`);
  const webhookUrl = hasWebhook(channel.kind) ? webhookUrlOf(httpApiUrl, channel.channelId) : undefined;
  const registration: Registration = { channelId, kind: channel.kind, webhookUrl, steps: [], manual: [] };
  if (!channel.enabled) {
    registration.steps.push({ step: 'channel', ok: false, detail: 'The channel is disabled: enable it first.' });
    return registration;
  }
  if (channel.kind === 'telegram' && webhookUrl) await registerTelegram(channel, webhookUrl, registration);
  else if (channel.kind === 'whatsapp' && webhookUrl) await registerWhatsApp(channel, webhookUrl, registration);
  else if (channel.kind === 'api') {
    registration.manual.push(
      `Give the calling system the webhook URL ${webhookUrl} and the channel's webhook secret (shown when the channel ` +
        'was created or its secret rotated); it signs each request (see README, Channels).',
    );
  } else registration.manual.push('A widget channel has no webhook: embed the widget on its allowed origins.');
  return registration;
}

async function registerTelegram(
  channel: Extract<Channel, { kind: 'telegram' }>,
  webhookUrl: string,
  registration: Registration,
): Promise<void> {
  const base = `${readConfig().telegramApiBase.replace(/\/+$/, '')}/bot${channel.settings.botToken}`;
  const set = await safely(() =>
    postJson(
      `${base}/setWebhook`,
      // Telegram sends secret_token back in X-Telegram-Bot-Api-Secret-Token on every update; the driver checks it.
      { url: webhookUrl, secret_token: channel.webhookSecret, drop_pending_updates: false },
      { attempts: 2 },
    ),
  );
  const setOk = set.ok && (set.answer?.body as { ok?: boolean } | undefined)?.ok === true;
  registration.steps.push({
    step: 'telegram setWebhook',
    ok: setOk,
    detail: setOk ? `webhook set to ${webhookUrl} with the channel's secret token` : describe(set),
  });
  if (!setOk) return;
  const info = await safely(() => postJson(`${base}/getWebhookInfo`, {}, { attempts: 2 }));
  const result = (info.answer?.body as { result?: { url?: string; last_error_message?: string } } | undefined)?.result;
  const same = result?.url === webhookUrl;
  registration.steps.push({
    step: 'telegram getWebhookInfo',
    ok: same,
    detail: same
      ? `Telegram reports the webhook${result?.last_error_message ? ` (last error: ${result.last_error_message})` : ''}`
      : `Telegram reports ${result?.url ? `another URL: ${result.url}` : 'no webhook'}`,
  });
}

async function registerWhatsApp(
  channel: Extract<Channel, { kind: 'whatsapp' }>,
  webhookUrl: string,
  registration: Registration,
): Promise<void> {
  const { accessToken, verifyToken, businessAccountId } = channel.settings;
  // Meta's own check of a callback URL, done first by us: our webhook must echo the challenge for the verify token.
  const challenge = randomBytes(8).toString('hex');
  const handshakeUrl = new URL(webhookUrl);
  handshakeUrl.search = new URLSearchParams({
    'hub.mode': 'subscribe',
    'hub.verify_token': verifyToken,
    'hub.challenge': challenge,
  }).toString();
  const handshake = await safely(async () => {
    const response = await fetch(handshakeUrl, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    return { status: response.status, ok: response.ok, body: undefined, text: await response.text() };
  });
  const echoed = handshake.answer?.text === challenge;
  registration.steps.push({
    step: 'whatsapp verification handshake',
    ok: echoed,
    detail: echoed
      ? `${webhookUrl} answers Meta's challenge`
      : `our webhook did not echo the challenge: ${describe(handshake)}`,
  });
  registration.manual.push(
    `In the Meta app dashboard (WhatsApp → Configuration) set the callback URL to ${webhookUrl}, the verify token to ` +
      "the channel's verifyToken setting, and subscribe the webhook field 'messages'.",
  );
  if (!businessAccountId) {
    registration.steps.push({
      step: 'whatsapp subscribed_apps',
      ok: false,
      detail: 'Set the channel setting businessAccountId (the WhatsApp Business Account id) to check the subscription.',
    });
    return;
  }
  const appsUrl = `${readConfig().whatsappApiBase.replace(/\/+$/, '')}/${businessAccountId}/subscribed_apps`;
  const headers = { authorization: `Bearer ${accessToken}` };
  const listed = await safely(async () => {
    const response = await fetch(appsUrl, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = await response.text();
    return { status: response.status, ok: response.ok, body: parse(text), text };
  });
  const apps = (listed.answer?.body as { data?: unknown[] } | undefined)?.data;
  if (listed.ok && Array.isArray(apps) && apps.length > 0) {
    registration.steps.push({
      step: 'whatsapp subscribed_apps',
      ok: true,
      detail: `the app is subscribed to business account ${businessAccountId}`,
    });
    return;
  }
  if (!listed.ok) {
    registration.steps.push({ step: 'whatsapp subscribed_apps', ok: false, detail: describe(listed) });
    return;
  }
  const subscribed = await safely(() => postJson(appsUrl, {}, { headers, attempts: 2 }));
  const done = subscribed.ok && (subscribed.answer?.body as { success?: boolean } | undefined)?.success === true;
  registration.steps.push({
    step: 'whatsapp subscribed_apps',
    ok: done,
    detail: done ? `subscribed the app to business account ${businessAccountId}` : describe(subscribed),
  });
}

interface Attempt {
  ok: boolean;
  answer?: { status: number; ok: boolean; body: unknown; text: string };
  error?: string;
}

async function safely(
  call: () => Promise<{ status: number; ok: boolean; body: unknown; text: string }>,
): Promise<Attempt> {
  try {
    const answer = await call();
    return { ok: answer.ok, answer };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** A provider's answer in one line; provider errors name the problem, never our token. */
function describe(attempt: Attempt): string {
  if (attempt.error) return `request failed: ${attempt.error}`;
  const body = attempt.answer?.body as { description?: string; error?: { message?: string } } | undefined;
  const reason = body?.description ?? body?.error?.message ?? attempt.answer?.text.slice(0, 200) ?? '';
  return `HTTP ${attempt.answer?.status}${reason ? `: ${reason}` : ''}`;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

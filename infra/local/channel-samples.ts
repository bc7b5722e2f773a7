// Client messages for the demo Telegram and WhatsApp channels: the events/ text samples with fresh ids and the given
// text, authenticated the way each channel does it. `npm start` prints them as curl lines; `npm run say:telegram` and
// `npm run say:whatsapp` post them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hmacSha256 } from '../../shared/channels/signatures';
import { TELEGRAM_SECRET_HEADER } from '../../shared/channels/telegram';
import { WHATSAPP_SIGNATURE_HEADER } from '../../shared/channels/whatsapp';
import { repoRoot } from './lambda-runtime';
import { DEMO_WHATSAPP_SETTINGS, type DemoTenant } from './seed';

export type SampleChannel = 'telegram' | 'whatsapp';

export interface SampleRequest {
  url: string;
  headers: Record<string, string>;
  /** The exact bytes to send: the WhatsApp signature covers them. */
  body: string;
}

export function channelSampleRequest(
  kind: SampleChannel,
  httpUrl: string,
  demo: DemoTenant,
  text: string,
  now = new Date(),
): SampleRequest {
  const channelId = demo.channels[kind];
  const url = `${httpUrl}/channels/${channelId}/webhook`;
  const seconds = Math.floor(now.getTime() / 1000);
  if (kind === 'telegram') {
    const update = sample<TelegramTextUpdate>('telegram');
    // A fresh update_id each time: a repeated one is a redelivery and is stored once (CH2).
    update.update_id = now.getTime() % 1_000_000_000;
    update.message.message_id = update.update_id;
    update.message.date = seconds;
    update.message.text = text;
    const body = JSON.stringify(update);
    return {
      url,
      headers: { 'content-type': 'application/json', [TELEGRAM_SECRET_HEADER]: demo.webhookSecrets[channelId] ?? '' },
      body,
    };
  }
  const notification = sample<WhatsAppTextNotification>('whatsapp');
  const message = notification.entry[0]?.changes[0]?.value.messages[0];
  if (!message) throw new Error('events/whatsapp/text.json has no message');
  message.id = `wamid.local-${now.getTime()}`;
  message.timestamp = String(seconds);
  message.text.body = text;
  const body = JSON.stringify(notification);
  const signature = hmacSha256(DEMO_WHATSAPP_SETTINGS.appSecret, Buffer.from(body, 'utf8')).toString('hex');
  return {
    url,
    headers: { 'content-type': 'application/json', [WHATSAPP_SIGNATURE_HEADER]: `sha256=${signature}` },
    body,
  };
}

/** The request as one shell line; single quotes inside are escaped for sh. */
export function curlLine(request: SampleRequest): string {
  const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;
  const headers = Object.entries(request.headers)
    .map(([name, value]) => `-H ${quote(`${name}: ${value}`)}`)
    .join(' ');
  return `curl -X POST ${request.url} ${headers} -d ${quote(request.body)}`;
}

/** The parts of events/telegram/text.json that change per message. */
interface TelegramTextUpdate {
  update_id: number;
  message: { message_id: number; date: number; text: string };
}

/** The parts of events/whatsapp/text.json that change per message. */
interface WhatsAppTextNotification {
  entry: Array<{
    changes: Array<{ value: { messages: Array<{ id: string; timestamp: string; text: { body: string } }> } }>;
  }>;
}

function sample<T>(kind: SampleChannel): T {
  return JSON.parse(readFileSync(path.join(repoRoot, 'events', kind, 'text.json'), 'utf8')) as T;
}

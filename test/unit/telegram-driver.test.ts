// The Telegram driver without a network: secret-token check, every events/telegram sample parsed, media fetched
// through getFile, and sendMessage answers mapped to delivery outcomes (the Bot API is a stub here).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InboundEvent, OutboundDelivery, WebhookRequest } from '../../shared/channels/driver';
import { getBytes, postJson } from '../../shared/channels/outbound-http';
import { TELEGRAM_SECRET_HEADER, telegramDriver } from '../../shared/channels/telegram';
import { DomainError } from '../../shared/domain/errors';
import type { Channel } from '../../shared/store/channels';

vi.mock('../../shared/channels/outbound-http', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../shared/channels/outbound-http')>()),
  postJson: vi.fn(),
  getBytes: vi.fn(),
}));

const BASE = 'https://telegram.test';
const TOKEN = '123456789:AAH-unit-test-bot-token-000000';
const SECRET = 'a3f1c9e07b52d84f6e19a0c3b7d25e8f41a6c0d9e3b7f2a5c8d1e4f7a0b3c6d9';

const channel: Channel = {
  channelId: 'ch_tg',
  name: 'Telegram bot',
  defaultGroupId: 'grp_1',
  enabled: true,
  overrides: {},
  webhookSecret: SECRET,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  kind: 'telegram',
  settings: { botToken: TOKEN },
};

const sample = (name: string) => readFileSync(path.join(import.meta.dirname, '../../events/telegram', `${name}.json`));

function request(
  rawBody: Buffer,
  headers: Record<string, string> = { [TELEGRAM_SECRET_HEADER]: SECRET },
): WebhookRequest {
  return {
    method: 'POST',
    headers,
    query: {},
    rawBody,
    receivedAt: new Date('2026-01-01T10:00:00Z'),
    sourceIp: '149.154.167.220',
  };
}

const parse = (name: string) => {
  const webhook = telegramDriver.webhook;
  if (!webhook) throw new Error('the Telegram driver has a webhook');
  return webhook.parse(request(sample(name)), channel);
};

function only(events: InboundEvent[]): InboundEvent {
  expect(events).toHaveLength(1);
  return events[0] as InboundEvent;
}

function messageOf(name: string): Extract<InboundEvent, { type: 'message' }> {
  const event = only(parse(name));
  if (event.type !== 'message') throw new Error(`${name} parsed to ${event.type}`);
  return event;
}

function verifyError(headers: Record<string, string>): DomainError | undefined {
  try {
    telegramDriver.webhook?.verify(request(sample('text'), headers), channel);
    return undefined;
  } catch (error) {
    return error as DomainError;
  }
}

beforeEach(() => {
  process.env.TELEGRAM_API_BASE = BASE;
  vi.mocked(postJson).mockReset();
  vi.mocked(getBytes).mockReset();
});

afterEach(() => {
  delete process.env.TELEGRAM_API_BASE;
});

describe('CH1 Telegram secret token', () => {
  it('accepts the channel webhook secret in X-Telegram-Bot-Api-Secret-Token', () => {
    expect(verifyError({ [TELEGRAM_SECRET_HEADER]: SECRET })).toBeUndefined();
  });

  it('refuses a missing header as unauthorized', () => {
    const error = verifyError({});
    expect(error).toBeInstanceOf(DomainError);
    expect(error?.code).toBe('unauthorized');
  });

  it.each([
    ['wrong', SECRET.replace(/.$/, SECRET.endsWith('0') ? '1' : '0')],
    ['padded with a space', ` ${SECRET}`],
    ['padded with a newline', `${SECRET}\n`],
    ['upper-cased', SECRET.toUpperCase()],
    ['a prefix', SECRET.slice(0, 32)],
    ['empty', ''],
  ])('refuses a %s secret', (_case, given) => {
    expect(verifyError({ [TELEGRAM_SECRET_HEADER]: given })?.code).toBe('unauthorized');
  });

  it('the generated hex secret fits Telegram secret_token rules (A-Z a-z 0-9 _ -, at most 256 chars)', () => {
    expect(SECRET).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
  });
});

describe('CH1 C1 M1 Telegram updates', () => {
  it('CH2 text: chat id, full name, chat and message id as the dedupe key, date', () => {
    expect(messageOf('text')).toEqual({
      type: 'message',
      externalUserId: '428713905',
      name: 'Olga Petrova',
      externalMessageId: '428713905:1021',
      kind: 'text',
      text: 'Hello! My card payment failed twice today.',
      at: new Date(1767261600 * 1000),
    });
  });

  it('photo: an image with the caption as text and the largest size as its media', async () => {
    const event = messageOf('photo');
    expect(event).toMatchObject({
      kind: 'image',
      text: 'This is the error on the payment screen',
      name: 'Olga Petrova',
    });
    expect(event.externalMessageId).toBe('428713905:1022');
    expect(event.media).toHaveLength(1);
    expect(event.media?.[0]).toMatchObject({ kind: 'image', declaredMimeType: 'image/jpeg' });
    vi.mocked(postJson).mockResolvedValueOnce({
      status: 200,
      ok: true,
      body: {
        ok: true,
        result: { file_id: 'x', file_unique_id: 'y', file_size: 164201, file_path: 'photos/file_7.jpg' },
      },
      text: '',
    });
    vi.mocked(getBytes).mockResolvedValueOnce({ bytes: Buffer.from([0xff, 0xd8, 0xff]), contentType: 'image/jpeg' });
    const fetched = await event.media?.[0]?.fetch();
    // The largest is 1280x960, listed third: picked by size, not by position.
    expect(postJson).toHaveBeenCalledWith(`${BASE}/bot${TOKEN}/getFile`, {
      file_id: 'AgACAgIAAxkBAAIEBmdpQ1_large-1280x960',
    });
    expect(getBytes).toHaveBeenCalledWith(`${BASE}/file/bot${TOKEN}/photos/file_7.jpg`);
    expect(fetched).toEqual({ bytes: Buffer.from([0xff, 0xd8, 0xff]), mimeType: 'image/jpeg', fileName: 'file_7.jpg' });
  });

  it('document: a document with its file name, MIME type and caption', () => {
    const event = messageOf('document');
    expect(event).toMatchObject({ kind: 'document', text: 'Statement attached', externalMessageId: '428713905:1023' });
    expect(event.media?.[0]).toMatchObject({
      kind: 'document',
      fileName: 'statement-december.pdf',
      declaredMimeType: 'application/pdf',
    });
  });

  it('voice: audio without text; a first name alone is the name', () => {
    const event = messageOf('voice');
    expect(event).toMatchObject({ kind: 'audio', name: 'Ivan', externalUserId: '515077312' });
    expect(event.text).toBeUndefined();
    expect(event.media?.[0]).toMatchObject({ kind: 'audio', declaredMimeType: 'audio/ogg' });
  });

  it('audio: a music file is audio with its name and caption', () => {
    const event = messageOf('audio');
    expect(event).toMatchObject({ kind: 'audio', text: 'The call where they promised a refund' });
    expect(event.media?.[0]).toMatchObject({ fileName: 'call-recording.mp3', declaredMimeType: 'audio/mpeg' });
  });

  it('video: a video with its file name', () => {
    const event = messageOf('video');
    expect(event).toMatchObject({ kind: 'video', name: 'Max Krause', externalUserId: '601552987' });
    expect(event.media?.[0]).toMatchObject({ kind: 'video', fileName: 'screen-recording.mp4' });
  });

  it('my_chat_member is acknowledged and ignored with a reason', () => {
    const event = only(parse('my_chat_member'));
    expect(event.type).toBe('ignored');
    expect(event.type === 'ignored' && event.reason).toMatch(/my_chat_member/);
  });

  it('M1 edited_message: an edit naming the edited message by chat and message id, deduped by its update_id', () => {
    expect(only(parse('edited_message'))).toEqual({
      type: 'edit',
      externalUserId: '428713905',
      name: 'Olga Petrova',
      externalMessageId: 'update:815602346',
      originalExternalMessageId: '428713905:1021',
      text: 'Hello! My card payment failed three times today.',
      at: new Date(1767261605 * 1000),
    });
  });

  it('M1 a live location moving (an edit without text) is acknowledged and not stored', () => {
    const update = JSON.parse(sample('edited_message').toString('utf8'));
    delete update.edited_message.text;
    update.edited_message.location = { latitude: 55.75, longitude: 37.61, live_period: 900 };
    const events = telegramDriver.webhook?.parse(request(Buffer.from(JSON.stringify(update))), channel);
    expect(events?.[0]).toMatchObject({ type: 'ignored', reason: expect.stringMatching(/live location/) });
  });

  it('M1 sticker: its emoji as text, its still thumbnail as the image (animated), the set name kept', () => {
    expect(only(parse('sticker'))).toMatchObject({
      type: 'message',
      kind: 'sticker',
      text: '👍',
      content: { sticker: { emoji: '👍', setName: 'HotCherry', animated: true } },
      media: [{ kind: 'image' }],
    });
  });

  it.each([
    ['location', 'location', '📍 Location — https://www.google.com/maps/search/?api=1&query=55.751244,37.618423'],
    [
      'venue',
      'location',
      '📍 Branch office, Red Square 1, Moscow — https://www.google.com/maps/search/?api=1&query=55.753900,37.620800',
    ],
    ['contact', 'contact', '👤 Ivan Petrov, +79001234567'],
    ['poll', 'unsupported', 'The client sent a message of type poll that this channel cannot show.'],
  ])('M1 %s is a %s message that reads "%s"', (name, kind, text) => {
    expect(only(parse(name))).toMatchObject({ type: 'message', kind, text });
  });

  it('a group chat message is ignored: clients are private chats with the bot', () => {
    const update = JSON.parse(sample('text').toString('utf8'));
    update.message.chat = { id: -1001234567890, title: 'Team', type: 'supergroup' };
    const events = telegramDriver.webhook?.parse(request(Buffer.from(JSON.stringify(update))), channel);
    expect(events?.[0]).toMatchObject({ type: 'ignored', reason: expect.stringMatching(/supergroup/) });
  });

  it('a name falls back to @username when the name parts are blank', () => {
    const update = JSON.parse(sample('text').toString('utf8'));
    update.message.from = { id: 1, is_bot: false, first_name: ' ', username: 'olga_p' };
    const events = telegramDriver.webhook?.parse(request(Buffer.from(JSON.stringify(update))), channel);
    expect(events?.[0]).toMatchObject({ type: 'message', name: '@olga_p' });
  });

  it.each([
    ['not JSON', 'update_id=1'],
    ['no update_id', '{"message":{}}'],
  ])('a body that is %s is invalid', (_case, body) => {
    expect(() => telegramDriver.webhook?.parse(request(Buffer.from(body)), channel)).toThrow(
      expect.objectContaining({ code: 'invalid' }),
    );
  });
});

describe('CH3 M3 Telegram delivery', () => {
  const delivery = (text: string) =>
    ({
      message: { text },
      client: { externalId: '428713905' },
      channel,
    }) as unknown as OutboundDelivery;

  it('sends text with sendMessage and keeps message_id as the external id', async () => {
    vi.mocked(postJson).mockResolvedValueOnce({
      status: 200,
      ok: true,
      body: { ok: true, result: { message_id: 2051, chat: { id: 428713905 }, date: 1767262000, text: 'Hi' } },
      text: '',
    });
    await expect(telegramDriver.deliver(delivery('Hi'))).resolves.toEqual({ status: 'sent', externalId: '2051' });
    expect(postJson).toHaveBeenCalledWith(`${BASE}/bot${TOKEN}/sendMessage`, { chat_id: 428713905, text: 'Hi' });
  });

  it('a Bot API refusal fails with its description', async () => {
    vi.mocked(postJson).mockResolvedValueOnce({
      status: 403,
      ok: false,
      body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
      text: '',
    });
    await expect(telegramDriver.deliver(delivery('Hi'))).resolves.toEqual({
      status: 'failed',
      reason: 'Telegram: Forbidden: bot was blocked by the user',
      transient: false,
    });
  });

  it("CH3/OP3: flood control that outlasts the retries is a transient failure with Telegram's description", async () => {
    vi.mocked(postJson).mockResolvedValueOnce({
      status: 429,
      ok: false,
      body: {
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 7',
        parameters: { retry_after: 7 },
      },
      text: '',
    });
    const outcome = await telegramDriver.deliver(delivery('Hi'));
    expect(outcome).toEqual({
      status: 'failed',
      reason: 'Telegram: Too Many Requests: retry after 7',
      transient: true,
    });
  });

  it('a network error never carries the bot token', async () => {
    vi.mocked(postJson).mockRejectedValueOnce(new Error(`connect ECONNREFUSED ${BASE}/bot${TOKEN}/sendMessage`));
    const failure = await telegramDriver.deliver(delivery('Hi')).catch((error: Error) => error.message);
    expect(failure).toContain('<bot-token>');
    expect(failure).not.toContain(TOKEN);
  });
});

// OP4: registering channels with their providers against the fake channel server — Telegram's setWebhook carries the
// webhook URL and the channel's secret as secret_token, WhatsApp's subscription is checked and made when missing,
// and the channel admin API answers with the webhook URL to register.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as channelsHandler } from '../../functions/http/admin/channels';
import { type FakeChannels, startFakeChannels } from '../../infra/local/fake-channels';
import type { OperatorActor } from '../../shared/domain/actors';
import { resetClients } from '../../shared/platform/aws-clients';
import { insertOperator } from '../../shared/store/operators';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { registerChannel } from '../../shared/use-cases/channel-registration';
import { invoke } from '../support/http-event';
import { seedGroup } from '../support/operator-auth';
import { useTestTable } from '../support/table';

const admin: OperatorActor = { kind: 'operator', operatorId: 'op_seed', role: 'admin', groupIds: [] };
const API = 'https://abc123.execute-api.eu-central-1.amazonaws.com';
let fake: FakeChannels;
let groupId: string;

beforeAll(async () => {
  await useTestTable();
  fake = await startFakeChannels({ port: 0 });
  Object.assign(process.env, fake.env());
  resetClients();
  groupId = (await seedGroup('First line')).groupId;
});
beforeEach(() => fake.reset());
afterAll(async () => {
  await fake.stop();
});

const telegramChannel = () =>
  createChannel(admin, {
    kind: 'telegram',
    name: 'Bot',
    defaultGroupId: groupId,
    enabled: true,
    settings: { botToken: '123456789:AAHlocalTokenForTheTestsOnly_x' },
    overrides: {},
  });

describe('channel:register (OP4)', () => {
  it('OP4: Telegram setWebhook reaches the fake Telegram with the webhook URL and the channel secret as secret_token', async () => {
    const channel = await telegramChannel();
    const registration = await registerChannel(channel.channelId, `${API}/`);
    const webhookUrl = `${API}/channels/${channel.channelId}/webhook`;
    expect(registration.webhookUrl).toBe(webhookUrl);
    const [call] = fake.calls('/bot123456789:AAHlocalTokenForTheTestsOnly_x/setWebhook');
    expect(call?.body).toMatchObject({ url: webhookUrl, secret_token: channel.webhookSecret });
    expect(registration.steps.map((step) => [step.step, step.ok])).toEqual([
      ['telegram setWebhook', true],
      ['telegram getWebhookInfo', true],
    ]);
    // Nothing the command prints holds the bot token or the secret.
    expect(JSON.stringify(registration)).not.toContain(channel.webhookSecret);
    expect(JSON.stringify(registration)).not.toContain('AAHlocalToken');
  });

  it('OP4: a Telegram refusal is reported as a failed step with Telegram’s own description', async () => {
    const channel = await telegramChannel();
    fake.failNext('/bot', 401, 2, { body: { ok: false, error_code: 401, description: 'Unauthorized' } });
    const registration = await registerChannel(channel.channelId, API);
    expect(registration.steps).toEqual([{ step: 'telegram setWebhook', ok: false, detail: 'HTTP 401: Unauthorized' }]);
  });

  it('OP4: WhatsApp: an unsubscribed app is subscribed on the business account, a subscribed one only checked', async () => {
    const channel = await createChannel(admin, {
      kind: 'whatsapp',
      name: 'WhatsApp',
      defaultGroupId: groupId,
      enabled: true,
      settings: {
        phoneNumberId: '100000000000009',
        accessToken: 'wa-token',
        appSecret: 'wa-secret',
        verifyToken: 'wa-verify',
        businessAccountId: '200000000000009',
      },
      overrides: {},
    });
    // No API runs here, so Meta's handshake against our webhook cannot succeed; the subscription still proceeds.
    const first = await registerChannel(channel.channelId, 'http://127.0.0.1:9');
    expect(first.steps.find((s) => s.step === 'whatsapp subscribed_apps')).toMatchObject({ ok: true });
    expect(first.steps.find((s) => s.step === 'whatsapp verification handshake')).toMatchObject({ ok: false });
    const posts = fake.calls('/v21.0/200000000000009/subscribed_apps').filter((call) => call.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.headers.authorization).toBe('Bearer wa-token');
    const second = await registerChannel(channel.channelId, 'http://127.0.0.1:9');
    expect(second.steps.find((s) => s.step === 'whatsapp subscribed_apps')?.detail).toContain('is subscribed');
    expect(fake.calls('/v21.0/200000000000009/subscribed_apps').filter((c) => c.method === 'POST')).toHaveLength(1);
    expect(first.manual.join(' ')).toContain(`/channels/${channel.channelId}/webhook`);
  });

  it('OP4: the channel admin API answers with the webhook URL to register', async () => {
    const adminOperator = await insertOperator({
      name: 'Ada',
      email: `ada.${Date.now()}@example.com`,
      role: 'admin',
      groupIds: [],
      capacity: 5,
      enabled: true,
    });
    const channel = await telegramChannel();
    const shown = await invoke(channelsHandler, 'GET /admin/channels/{channelId}', {
      operatorId: adminOperator.operatorId,
      pathParameters: { channelId: channel.channelId },
    });
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ webhookUrl: `https://api.test/channels/${channel.channelId}/webhook` });
    const listed = await invoke(channelsHandler, 'GET /admin/channels', {
      operatorId: adminOperator.operatorId,
      query: { kind: 'telegram' },
    });
    const items = (listed.body as { items: Array<{ channelId: string; webhookUrl?: string }> }).items;
    expect(items.find((item) => item.channelId === channel.channelId)?.webhookUrl).toContain('/webhook');
  });
});

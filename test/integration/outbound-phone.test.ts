import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeChannels, startFakeChannels } from '../../infra/local/fake-channels';
import { type LocalGateway, startGateway } from '../../infra/local/gateway';
import { repoRoot } from '../../infra/local/lambda-runtime';
import { WHATSAPP_SIGNATURE_HEADER } from '../../shared/channels/whatsapp';
import type { OperatorActor } from '../../shared/domain/actors';
import { dynamo, resetClients } from '../../shared/platform/aws-clients';
import { clientIdFor } from '../../shared/store/clients';
import { keys } from '../../shared/store/keys';
import { historyPage } from '../../shared/store/messages';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { receiveWebhook } from '../../shared/use-cases/channel-webhook';
import { startByPhone } from '../../shared/use-cases/outbound-phone';
import { useTestTable } from '../support/table';

const APP_SECRET = 'outbound-app-secret';
const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
let tableName: string;
let fake: FakeChannels;
let gateway: LocalGateway;
let whatsappId: string;
let anna: Operator;

async function allowByPhone(allowed: boolean) {
  await dynamo().send(
    new PutCommand({
      TableName: tableName,
      Item: { ...keys.settings(), settings: { outboundByPhone: { whatsapp: allowed } } },
    }),
  );
}

beforeAll(async () => {
  ({ tableName } = await useTestTable());
  gateway = await startGateway({ httpRoutes: [], webSocketRoutes: [], log: () => undefined });
  fake = await startFakeChannels({ port: 0 });
  Object.assign(process.env, fake.env(), { WS_MANAGEMENT_ENDPOINT: gateway.managementEndpoint });
  resetClients();
  const group = (await createGroup(admin, { name: 'Sales', strategy: 'manual' })).groupId;
  anna = await insertOperator({
    name: 'Anna',
    email: 'anna@phone.example',
    role: 'operator',
    groupIds: [group],
    capacity: 5,
    enabled: true,
  });
  whatsappId = (
    await createChannel(admin, {
      kind: 'whatsapp',
      name: 'WhatsApp',
      defaultGroupId: group,
      enabled: true,
      overrides: {},
      settings: {
        phoneNumberId: '106540352242922',
        accessToken: 'token',
        appSecret: APP_SECRET,
        verifyToken: 'verify',
      },
    })
  ).channelId;
});

afterAll(async () => {
  await fake.stop();
  await gateway.close();
});

describe('CH4 outbound start by phone number on WhatsApp', () => {
  it('is refused while the setting is off, and nothing is created', async () => {
    await allowByPhone(false);
    const input = { channelId: whatsappId, phone: '+49 151 0000 0001', template: 'hello_world', language: 'en_US' };
    await expect(startByPhone(actorOf(anna), input)).rejects.toMatchObject({ code: 'forbidden' });
    expect(fake.calls('/').length).toBe(0);
  });

  it('sends the template, opens a ticket in progress for the operator, and the answer lands in that ticket', async () => {
    await allowByPhone(true);
    const { ticket, message } = await startByPhone(actorOf(anna), {
      channelId: whatsappId,
      phone: '+49 151 0000 0002',
      template: 'order_update',
      language: 'de',
    });
    expect(ticket).toMatchObject({ status: 'in_progress', assigneeId: anna.operatorId });
    expect(message.status).toBe('sent');
    const [call] = fake.calls('/');
    expect(call?.body).toMatchObject({
      to: '4915100000002',
      type: 'template',
      template: { name: 'order_update', language: { code: 'de' } },
    });

    // The client answers from that number: same client, same ticket.
    const body = JSON.parse(readFileSync(path.join(repoRoot, 'events/whatsapp/text.json'), 'utf8'));
    const value = body.entry[0].changes[0].value;
    value.metadata.phone_number_id = '106540352242922';
    value.messages[0].from = '4915100000002';
    value.contacts[0].wa_id = '4915100000002';
    value.messages[0].timestamp = String(Math.floor(Date.now() / 1000) + 1);
    const raw = Buffer.from(JSON.stringify(body));
    const signature = `sha256=${createHmac('sha256', APP_SECRET).update(raw).digest('hex')}`;
    await receiveWebhook(whatsappId, {
      method: 'POST',
      headers: { [WHATSAPP_SIGNATURE_HEADER]: signature, 'content-type': 'application/json' },
      query: {},
      rawBody: raw,
      receivedAt: new Date(),
      sourceIp: '127.0.0.1',
    });
    const history = await historyPage(
      clientIdFor(whatsappId, '4915100000002'),
      keys.ticketMessagesPrefix(ticket.number),
      { limit: 10, viewer: 'operator' },
    );
    expect(history.items.map((m) => m.author.kind).reverse()).toEqual(['system', 'operator', 'client']);
  });

  it('rejects a malformed phone number with a clear message', async () => {
    await allowByPhone(true);
    const input = { channelId: whatsappId, phone: '12ab', template: 'hello_world', language: 'en' };
    await expect(startByPhone(actorOf(anna), input)).rejects.toMatchObject({ code: 'invalid' });
  });
});

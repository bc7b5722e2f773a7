import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeChannels, startFakeChannels } from '../../infra/local/fake-channels';
import type { OperatorActor } from '../../shared/domain/actors';
import { dynamo } from '../../shared/platform/aws-clients';
import { clientIdFor } from '../../shared/store/clients';
import { keys } from '../../shared/store/keys';
import { historyPage } from '../../shared/store/messages';
import { readClientHead } from '../../shared/store/tickets';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { type InboundMessage, ingestClientMessage } from '../../shared/use-cases/ingest';
import { listTickets } from '../../shared/use-cases/ticket-lists';
import { clientText } from '../support/channels';
import { useTestTable } from '../support/table';

const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
let fake: FakeChannels;
let tableName: string;
let asking: string;
let excluded: string;
let tick = 0;

const inbound = (channelId: string, user: string, text: string): InboundMessage =>
  clientText(channelId, user, text, new Date(Date.now() + ++tick));

async function setConsent(enabled: boolean) {
  await dynamo().send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...keys.settings(),
        settings: {
          privacyConsent: {
            enabled,
            text: 'We keep this conversation to help you. Reply to agree.',
            policyUrl: 'https://bank.example/privacy',
            excludedChannelIds: [excluded],
          },
        },
      },
    }),
  );
}

beforeAll(async () => {
  ({ tableName } = await useTestTable());
  fake = await startFakeChannels({ port: 0 });
  const group = await createGroup(admin, { name: 'Line', strategy: 'manual' });
  const channel = (name: string) =>
    createChannel(admin, {
      kind: 'api',
      name,
      defaultGroupId: group.groupId,
      enabled: true,
      settings: { callbackUrl: `${fake.url}/api-callback/${name}` },
      overrides: {},
    });
  asking = (await channel('asking')).channelId;
  excluded = (await channel('excluded')).channelId;
  await setConsent(false);
  // A client who wrote before consent was switched on is not asked: consent applies to new dialogs only.
  await ingestClientMessage(inbound(asking, 'veteran', 'hello from before'));
  await setConsent(true);
});

afterAll(async () => {
  await fake.stop();
});

describe('P1 privacy consent', () => {
  it('a new client gets the consent request first; its dialog reaches operators only when it writes again', async () => {
    const first = await ingestClientMessage(inbound(asking, 'newcomer', 'My card is blocked'));
    expect(first).toMatchObject({ consentRequested: true, opened: false });
    const callback = await fake.waitForCalls('/api-callback/asking', 1);
    expect(JSON.stringify(callback[0]?.body)).toContain('https://bank.example/privacy');
    const clientId = clientIdFor(asking, 'newcomer');
    expect((await readClientHead(clientId)).latest).toBeUndefined();
    const before = await listTickets(admin, { tab: 'all', limit: 50 });
    expect(before.items.some((row) => 'clientId' in row && row.clientId === clientId)).toBe(false);

    const agreed = await ingestClientMessage(inbound(asking, 'newcomer', 'OK'));
    expect(agreed.opened).toBe(true);
    expect(agreed.ticket).toMatchObject({ status: 'unassigned', unreadCount: 2 });
    const history = await historyPage(clientId, keys.ticketMessagesPrefix(agreed.ticket?.number as number), {
      limit: 10,
      viewer: 'operator',
    });
    const timeline = history.items.map((m) => `${m.author.kind}:${m.text ?? ''}`).reverse();
    expect(timeline[0]).toBe('client:My card is blocked');
    expect(timeline[1]).toMatch(/^bot:We keep this conversation/);
    expect(timeline.at(-1)).toBe('client:OK');
    expect((await readClientHead(clientId)).client).toMatchObject({ consent: 'given', ticketCount: 1 });
  });

  it('excluded channels and existing clients open tickets straight away', async () => {
    expect(await ingestClientMessage(inbound(excluded, 'walk-in', 'hi'))).toMatchObject({ opened: true });
    const veteran = await ingestClientMessage(inbound(asking, 'veteran', 'hello again'));
    expect(veteran.consentRequested).toBeUndefined();
    expect(veteran.ticket?.status).toBe('unassigned');
  });
});

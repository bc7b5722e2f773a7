import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperatorActor } from '../../shared/domain/actors';
import { resetClients } from '../../shared/platform/aws-clients';
import { recordConnection } from '../../shared/realtime/connections';
import { keys } from '../../shared/store/keys';
import { historyPage } from '../../shared/store/messages';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { settingsSchema } from '../../shared/store/settings';
import { getTicket, readClientHead } from '../../shared/store/tickets';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { replaceSettings } from '../../shared/use-cases/admin/settings';
import { blacklistClient, unblockClient } from '../../shared/use-cases/blacklist';
import { ingestClientMessage } from '../../shared/use-cases/ingest';
import { pinClient, unpinClient } from '../../shared/use-cases/pin';
import { runTicketCommand, startOutbound } from '../../shared/use-cases/ticket-commands';
import { listTickets } from '../../shared/use-cases/ticket-lists';
import { clientText, createApiChannel } from '../support/channels';
import { useTestTable } from '../support/table';

const management = mockClient(ApiGatewayManagementApiClient);
const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
let channelId: string;
/** A channel of the Second line: Line operators see none of its clients. */
let secondLineChannelId: string;
let secondLine: string;
let anna: Operator;
let boris: Operator;
let sue: Operator;
let tick = 0;

const inbound = (user: string, text: string) => clientText(channelId, user, text, new Date(Date.now() + ++tick));

beforeAll(async () => {
  await useTestTable();
  process.env.WS_MANAGEMENT_ENDPOINT = 'http://127.0.0.1:9/local';
  resetClients();
  management.on(PostToConnectionCommand).resolves({});
  const group = await createGroup(admin, { name: 'Line', strategy: 'manual' });
  channelId = await createApiChannel(admin, 'CRM', group.groupId);
  secondLine = (await createGroup(admin, { name: 'Second line', strategy: 'manual' })).groupId;
  secondLineChannelId = await createApiChannel(admin, 'Back office', secondLine);
  const person = (name: string, role: Operator['role'], groupIds: string[]) =>
    insertOperator({ name, email: `${name}@marks.example.com`, role, groupIds, capacity: 5, enabled: true });
  anna = await person('anna', 'operator', [group.groupId]);
  boris = await person('boris', 'operator', [group.groupId]);
  sue = await person('sue', 'supervisor', []);
  await recordConnection({
    connectionId: 'staff-socket',
    principal: `operator#${sue.operatorId}`,
    audiences: ['staff'],
    connectedAt: new Date().toISOString(),
  });
});

afterAll(() => management.restore());

describe('C6 blacklist', () => {
  it('blacklisting closes the open ticket, lists the client, keeps later messages without routing or pushing them', async () => {
    const { ticket, clientId } = await ingestClientMessage(inbound('spammer', 'buy now'));
    await runTicketCommand(actorOf(anna), ticket?.ticketId as string, { type: 'take' });
    await blacklistClient(actorOf(anna), clientId);
    const closed = await getTicket(ticket?.ticketId as string);
    expect(closed).toMatchObject({ status: 'closed', closedBy: anna.operatorId });
    const tab = await listTickets(actorOf(sue), { tab: 'blacklist', limit: 10 });
    expect(tab.items).toEqual([expect.objectContaining({ clientId, blacklistedBy: anna.operatorId })]);

    management.resetHistory();
    const later = await ingestClientMessage(inbound('spammer', 'buy now!!!'));
    expect(later).toMatchObject({ blacklisted: true, opened: false });
    expect(management.commandCalls(PostToConnectionCommand)).toHaveLength(0);
    const head = await readClientHead(clientId);
    expect(head.client?.ticketCount).toBe(1);
    expect(head.latest?.status).toBe('closed');
    const history = await historyPage(clientId, keys.clientMessagesPrefix(), { limit: 20, viewer: 'operator' });
    expect(history.items.map((m) => m.text ?? m.note?.code)).toEqual([
      'buy now!!!',
      'Client blacklisted',
      'Ticket taken',
      'buy now',
      'Ticket opened',
    ]);

    // Unblock restores normal routing: the next message opens a new ticket.
    await expect(unblockClient(actorOf(boris), clientId)).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(unblockClient(actorOf(anna), clientId)).resolves.toBeDefined();
    const again = await ingestClientMessage(inbound('spammer', 'sorry'));
    expect(again).toMatchObject({ opened: true });
    expect(again.ticket?.status).toBe('unassigned');
  });

  it('an operator who cannot see the client may not blacklist it; a second blacklist is a conflict', async () => {
    const { ticket, clientId } = await ingestClientMessage(inbound('someone', 'hello'));
    await runTicketCommand(actorOf(anna), ticket?.ticketId as string, { type: 'take' });
    await expect(blacklistClient(actorOf(boris), clientId)).rejects.toMatchObject({
      code: 'forbidden',
    });
    await blacklistClient(actorOf(sue), clientId);
    await expect(blacklistClient(actorOf(sue), clientId)).rejects.toMatchObject({ code: 'conflict' });
  });
});

describe('C5 pin', () => {
  it('an operator pins a client to itself (not to others); the next ticket goes straight to its Mine', async () => {
    const { ticket, clientId } = await ingestClientMessage(inbound('regular', 'hi'));
    await runTicketCommand(actorOf(boris), ticket?.ticketId as string, { type: 'take' });
    await expect(pinClient(actorOf(boris), clientId, anna.operatorId)).rejects.toMatchObject({
      code: 'forbidden',
    });
    const pinned = await pinClient(actorOf(boris), clientId, boris.operatorId);
    expect(pinned.client.pinnedTo).toBe(boris.operatorId);
    await runTicketCommand(actorOf(boris), ticket?.ticketId as string, {
      type: 'transfer',
      groupId: anna.groupIds[0] as string,
    });
    await runTicketCommand(actorOf(anna), ticket?.ticketId as string, { type: 'take' });
    await runTicketCommand(actorOf(anna), ticket?.ticketId as string, { type: 'close' });
    const next = await ingestClientMessage(inbound('regular', 'me again'));
    expect(next.ticket).toMatchObject({ status: 'in_progress', assigneeId: boris.operatorId });
    await expect(unpinClient(actorOf(anna), clientId)).rejects.toMatchObject({ code: 'forbidden' });
    await unpinClient(admin, clientId);
    expect((await readClientHead(clientId)).client?.pinnedTo).toBeUndefined();
  });
});

describe('X1 and C5: pin visibility and replacement', () => {
  it('X1: client.pin refuses a client the operator may not see, says nothing about it and changes nothing', async () => {
    const { clientId } = await ingestClientMessage({
      ...inbound('iban-owner', 'My IBAN is DE89…'),
      channelId: secondLineChannelId,
    });
    for (const operatorId of [anna.operatorId, 'op-nobody']) {
      const refused = pinClient(actorOf(anna), clientId, operatorId);
      await expect(refused).rejects.toMatchObject({ code: 'forbidden', details: { reason: 'not_visible' } });
    }
    // X1: unpinning a client nobody pinned is not even answered with "not pinned" when the client is hidden.
    await expect(unpinClient(actorOf(anna), clientId)).rejects.toMatchObject({
      code: 'forbidden',
      details: { reason: 'not_visible' },
    });
    expect((await readClientHead(clientId)).client?.pinnedTo).toBeUndefined();
    const next = await ingestClientMessage({ ...inbound('iban-owner', 'hello?'), channelId: secondLineChannelId });
    expect(next.ticket?.assigneeId).toBeUndefined();
  });

  it('C5: replacing another operator’s pin needs an admin', async () => {
    const { clientId } = await ingestClientMessage(inbound('shared-client', 'hi'));
    await pinClient(actorOf(boris), clientId, boris.operatorId);
    await expect(pinClient(actorOf(anna), clientId, anna.operatorId)).rejects.toMatchObject({
      code: 'forbidden',
      details: { reason: 'not_pin_owner' },
    });
    expect((await readClientHead(clientId)).client?.pinnedTo).toBe(boris.operatorId);
    const replaced = await pinClient(admin, clientId, anna.operatorId);
    expect(replaced.client.pinnedTo).toBe(anna.operatorId);
  });

  it('C5: two operators pinning one client at once: one pin wins, the other is refused, nothing is overwritten', async () => {
    const { clientId } = await ingestClientMessage(inbound('contested', 'hi'));
    const results = await Promise.allSettled(
      [anna, boris].map((op) => pinClient(actorOf(op), clientId, op.operatorId)),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toEqual([
      expect.objectContaining({
        reason: expect.objectContaining({ code: 'forbidden', details: { reason: 'not_pin_owner' } }),
      }),
    ]);
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof pinClient>>>).value.client.pinnedTo;
    expect((await readClientHead(clientId)).client?.pinnedTo).toBe(winner);
  });
});

describe('T9 and P1: outbound start', () => {
  it('T9/P1: a start with a client that has no ticket yet checks the channel’s group, then the consent', async () => {
    await replaceSettings(
      admin,
      settingsSchema.parse({
        privacyConsent: {
          enabled: true,
          text: 'We keep your data.',
          policyUrl: 'https://example.com/privacy',
          excludedChannelIds: [channelId],
        },
      }),
    );
    try {
      const { clientId, consentRequested } = await ingestClientMessage({
        ...inbound('new-client', 'hello'),
        channelId: secondLineChannelId,
      });
      expect(consentRequested).toBe(true);
      await expect(startOutbound(actorOf(anna), clientId)).rejects.toMatchObject({
        code: 'forbidden',
        details: { reason: 'not_visible' },
      });
      await expect(startOutbound(actorOf(sue), clientId)).rejects.toMatchObject({
        code: 'forbidden',
        details: { reason: 'consent_pending' },
      });
      const head = await readClientHead(clientId);
      expect(head.latest).toBeUndefined();
      expect(head.client?.openTicketNumber).toBeUndefined();
    } finally {
      await replaceSettings(admin, settingsSchema.parse({}));
    }
  });
});

describe('X1: authorize before revealing', () => {
  it('X1: assign on a hidden ticket says not visible for any target; on a visible one, unknown and disabled ids look alike', async () => {
    const { ticket } = await ingestClientMessage({ ...inbound('hidden-ticket', 'hi'), channelId: secondLineChannelId });
    const hiddenId = ticket?.ticketId as string;
    for (const operatorId of ['op-nobody', boris.operatorId]) {
      await expect(runTicketCommand(actorOf(anna), hiddenId, { type: 'assign', operatorId })).rejects.toMatchObject({
        code: 'forbidden',
        details: { reason: 'not_visible' },
      });
    }
    await expect(
      runTicketCommand(actorOf(anna), hiddenId, { type: 'transfer', groupId: 'no-such-group' }),
    ).rejects.toMatchObject({
      code: 'forbidden',
      details: { reason: 'not_visible' },
    });
    const visible = (await ingestClientMessage(inbound('visible-ticket', 'hi'))).ticket?.ticketId as string;
    const dora = await insertOperator({
      name: 'dora',
      email: 'dora@marks.example.com',
      role: 'operator',
      groupIds: anna.groupIds as string[],
      capacity: 5,
      enabled: false,
    });
    const answers = await Promise.all(
      ['op-nobody', dora.operatorId].map((operatorId) =>
        runTicketCommand(actorOf(anna), visible, { type: 'assign', operatorId }).catch((e) => ({
          code: e.code,
          message: e.message,
        })),
      ),
    );
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]).toMatchObject({ code: 'forbidden' });
    expect((await getTicket(visible)).status).toBe('unassigned');
  });
});

import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperatorActor } from '../../shared/domain/actors';
import { resetClients } from '../../shared/platform/aws-clients';
import { recordConnection } from '../../shared/realtime/connections';
import { keys } from '../../shared/store/keys';
import { historyPage } from '../../shared/store/messages';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { getTicket, readClientHead } from '../../shared/store/tickets';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { blacklistClient, unblockClient } from '../../shared/use-cases/blacklist';
import { type InboundMessage, ingestClientMessage } from '../../shared/use-cases/ingest';
import { pinClient, unpinClient } from '../../shared/use-cases/pin';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import { listTickets } from '../../shared/use-cases/ticket-lists';
import { useTestTable } from '../support/table';

const management = mockClient(ApiGatewayManagementApiClient);
const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
let channelId: string;
let anna: Operator;
let boris: Operator;
let sue: Operator;
let tick = 0;

const inbound = (user: string, text: string): InboundMessage => ({
  channelId,
  externalUserId: user,
  name: user,
  clientType: 'channel',
  kind: 'text',
  text,
  receivedAt: new Date(Date.now() + ++tick),
});

beforeAll(async () => {
  await useTestTable();
  process.env.WS_MANAGEMENT_ENDPOINT = 'http://127.0.0.1:9/local';
  resetClients();
  management.on(PostToConnectionCommand).resolves({});
  const group = await createGroup(admin, { name: 'Line', strategy: 'manual' });
  channelId = (
    await createChannel(admin, {
      kind: 'api',
      name: 'CRM',
      defaultGroupId: group.groupId,
      enabled: true,
      settings: { callbackUrl: 'http://127.0.0.1:9/cb' },
      overrides: {},
    })
  ).channelId;
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

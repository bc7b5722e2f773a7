// R4/R5 on DynamoDB Local with the management API mocked: the events of one change reach each recipient as one
// WebSocket message, in order — a new ticket's `ticket.created` before its messages, then messages by seq, then the
// recipient's own counters — and an assignee gets one message per client message.
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperatorActor } from '../../shared/domain/actors';
import { resetClients } from '../../shared/platform/aws-clients';
import { recordConnection } from '../../shared/realtime/connections';
import { type EventFrame, eventsIn } from '../../shared/realtime/event-frames';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { ingestClientMessage } from '../../shared/use-cases/ingest';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import { clientText, createApiChannel } from '../support/channels';
import { useTestTable } from '../support/table';

const management = mockClient(ApiGatewayManagementApiClient);
const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
const old = () => new Date(Date.now() - 60_000).toISOString();
let channelId: string;
let anna: Operator;
let tick = 0;

const inbound = (user: string, text: string) =>
  clientText(channelId, user, text, new Date(Date.UTC(2026, 10, 29, 10, 0, 0) + ++tick * 1000));

/** Every WebSocket message posted to a connection, each as the events it carries. */
const messagesTo = (connectionId: string): Array<Array<EventFrame<Record<string, unknown>>>> =>
  management
    .commandCalls(PostToConnectionCommand)
    .filter((call) => call.args[0].input.ConnectionId === connectionId)
    .map((call) => eventsIn(JSON.parse(Buffer.from(call.args[0].input.Data as Uint8Array).toString('utf8'))));

beforeAll(async () => {
  await useTestTable();
  process.env.WS_MANAGEMENT_ENDPOINT = 'http://127.0.0.1:9/local';
  resetClients();
  management.on(PostToConnectionCommand).resolves({});
  const group = await createGroup(admin, { name: 'Front', strategy: 'manual' });
  channelId = await createApiChannel(admin, 'Shop', group.groupId);
  anna = await insertOperator({
    name: 'anna',
    email: 'anna@frames.example.com',
    role: 'operator',
    groupIds: [group.groupId],
    capacity: 10,
    enabled: true,
  });
  await recordConnection({
    connectionId: 'AnnaConn0001=',
    principal: `operator#${anna.operatorId}`,
    audiences: [`operator#${anna.operatorId}`, `group#${group.groupId}`],
    connectedAt: old(),
  });
  await recordConnection({
    connectionId: 'StaffConn001=',
    principal: 'operator#op-sue',
    audiences: ['operator#op-sue', 'staff'],
    connectedAt: old(),
  });
});

afterAll(() => management.restore());

describe('R4 one WebSocket message per recipient per change', () => {
  it('R4: a new ticket reaches each recipient as one message: ticket.created first, then its messages by seq', async () => {
    management.resetHistory();
    const { ticket } = await ingestClientMessage(inbound('olga', 'Hello, where is my parcel?'));
    for (const connectionId of ['AnnaConn0001=', 'StaffConn001=']) {
      const messages = messagesTo(connectionId);
      expect(messages).toHaveLength(1);
      const events = messages[0] ?? [];
      expect(events[0]).toMatchObject({ event: 'ticket.created', data: { ticketId: ticket?.ticketId } });
      const created = events.filter((event) => event.event === 'message.created');
      expect(created.map((event) => (event.data.message as { text?: string }).text)).toContain(
        'Hello, where is my parcel?',
      );
      const seqs = created.map((event) => event.data.seq as number);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  });

  it('R4: a client message to an assigned ticket is one WebSocket message to the assignee (message, ticket, counters)', async () => {
    const { ticket } = await ingestClientMessage(inbound('ivan', 'My card was charged twice'));
    await runTicketCommand(actorOf(anna), ticket?.ticketId as string, { type: 'take' });
    management.resetHistory();
    await ingestClientMessage(inbound('ivan', 'Any news?'));
    const messages = messagesTo('AnnaConn0001=');
    expect(messages).toHaveLength(1);
    expect((messages[0] ?? []).map((event) => event.event)).toEqual(
      expect.arrayContaining(['message.created', 'ticket.updated']),
    );
    const names = (messages[0] ?? []).map((event) => event.event);
    expect(names.indexOf('message.created')).toBeLessThan(names.indexOf('ticket.updated'));
    if (names.includes('counters')) expect(names.at(-1)).toBe('counters');
  });
});

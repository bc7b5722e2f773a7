import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ticket } from '../../shared/domain/ticket-rules';
import { dynamo, resetClients } from '../../shared/platform/aws-clients';
import { connectionIdsOf, recordConnection, removeConnection } from '../../shared/realtime/connections';
import { publishTicketChange } from '../../shared/realtime/ticket-events';
import { keys } from '../../shared/store/keys';
import { queriedPartitions } from '../support/queries';
import { useTestTable } from '../support/table';

const management = mockClient(ApiGatewayManagementApiClient);

const ticket: Ticket = {
  ticketId: 'cl_cost.1',
  number: 1,
  clientId: 'cl_cost',
  clientName: 'Olga',
  channelId: 'ch_1',
  status: 'unassigned',
  groupId: 'g-small',
  openedAt: '2026-01-01T00:00:00Z',
  statusChangedAt: '2026-01-01T00:00:00Z',
  lastMessageAt: '2026-01-01T00:00:00Z',
  lastMessagePreview: 'hi',
  lastMessageFromOperator: false,
  unreadCount: 1,
  messageCount: 1,
  seq: 2,
};

beforeAll(async () => {
  await useTestTable();
  process.env.WS_MANAGEMENT_ENDPOINT = 'http://127.0.0.1:9/local';
  resetClients();
  management.on(PostToConnectionCommand).resolves({});
  const connectedAt = new Date().toISOString();
  // 200 operators connected in a busy group, 3 in the ticket's group, 2 supervisors.
  const busy = Array.from({ length: 200 }, (_, i) =>
    recordConnection({
      connectionId: `busy-${i}`,
      principal: `operator#busy-${i}`,
      audiences: ['group#g-busy'],
      connectedAt,
    }),
  );
  const small = Array.from({ length: 3 }, (_, i) =>
    recordConnection({
      connectionId: `small-${i}`,
      principal: `operator#small-${i}`,
      audiences: ['group#g-small'],
      connectedAt,
    }),
  );
  const staff = Array.from({ length: 2 }, (_, i) =>
    recordConnection({
      connectionId: `staff-${i}`,
      principal: `operator#staff-${i}`,
      audiences: ['staff'],
      connectedAt,
    }),
  );
  // An operator in no group (it hears every group's unassigned tickets) and an admin in no group (staff and
  // `ungrouped` at once).
  const wide = [
    recordConnection({ connectionId: 'loner', principal: 'operator#loner', audiences: ['ungrouped'], connectedAt }),
    recordConnection({
      connectionId: 'admin-0',
      principal: 'operator#admin-0',
      audiences: ['staff', 'ungrouped'],
      connectedAt,
    }),
  ];
  await Promise.all([...busy, ...small, ...staff, ...wide]);
});

afterAll(() => management.restore());

describe('R2 fan-out cost follows recipients, not connected operators', () => {
  it('R2/C9: an unassigned ticket event in a 3-operator group reaches its 7 connections with one Query per audience partition', async () => {
    management.resetHistory();
    const partitions = await queriedPartitions(() => publishTicketChange(undefined, ticket, []));
    const posted = management.commandCalls(PostToConnectionCommand).map((call) => call.args[0].input.ConnectionId);
    expect(posted.sort()).toEqual(['admin-0', 'loner', 'small-0', 'small-1', 'small-2', 'staff-0', 'staff-1']);
    expect(posted.some((id) => id?.startsWith('busy-'))).toBe(false);
    // Staff and operators in no group share one partition; the group and the client's watchers (C9) have their own:
    // three Queries, none of the 200 busy connections read, the admin in no group posted to once.
    expect(partitions.sort()).toEqual(['AUDIENCE#group#g-small', 'AUDIENCE#staff', 'AUDIENCE#watchers#cl_cost']);
  });

  it('R2/X1: a ticket in progress reaches staff and its assignee, not an operator in no group, from the same one partition', async () => {
    management.resetHistory();
    const taken: Ticket = { ...ticket, status: 'in_progress', assigneeId: 'small-0', seq: 3 };
    const partitions = await queriedPartitions(() => publishTicketChange(taken, taken, []));
    const posted = management.commandCalls(PostToConnectionCommand).map((call) => call.args[0].input.ConnectionId);
    expect(posted.sort()).toEqual(['admin-0', 'small-0', 'staff-0', 'staff-1']);
    expect(partitions.sort()).toEqual(['AUDIENCE#operator#small-0', 'AUDIENCE#staff', 'AUDIENCE#watchers#cl_cost']);
  });

  it('R2: an entry written before staff and `ungrouped` shared a partition (no `joins`) still counts as staff only', async () => {
    await dynamo().send(
      new PutCommand({
        TableName: process.env.TABLE_NAME,
        Item: {
          ...keys.audienceMember('staff', 'old-staff'),
          type: 'audienceMember',
          connectionId: 'old-staff',
          principal: 'operator#old-staff',
          connectedAt: new Date().toISOString(),
          expiresAt: Math.floor(Date.now() / 1000) + 3600,
        },
      }),
    );
    expect(await connectionIdsOf('staff')).toContain('old-staff');
    expect(await connectionIdsOf('ungrouped')).not.toContain('old-staff');
    expect((await connectionIdsOf('ungrouped')).sort()).toEqual(['admin-0', 'loner']);
  });

  it('R2: closing the admin in no group removes its one shared entry: it leaves staff and `ungrouped` together', async () => {
    await removeConnection('admin-0');
    expect(await connectionIdsOf('staff')).not.toContain('admin-0');
    expect(await connectionIdsOf('ungrouped')).toEqual(['loner']);
  });
});

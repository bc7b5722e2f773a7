import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ticket } from '../../shared/domain/ticket-rules';
import { dynamo, resetClients } from '../../shared/platform/aws-clients';
import { recordConnection } from '../../shared/realtime/connections';
import { publishTicketChange } from '../../shared/realtime/ticket-events';
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
  await Promise.all([...busy, ...small, ...staff]);
});

afterAll(() => management.restore());

describe('R2 fan-out cost follows recipients, not connected operators', () => {
  it('R2/C9: an unassigned ticket event in a 3-operator group reaches 5 connections with one Query per audience', async () => {
    const queries: string[] = [];
    const client = dynamo();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'QueryCommand')
          queries.push(
            JSON.stringify((args.input as { ExpressionAttributeValues?: unknown }).ExpressionAttributeValues),
          );
        return next(args);
      },
      { step: 'initialize', name: 'countQueries' },
    );
    management.resetHistory();
    try {
      await publishTicketChange(undefined, ticket, []);
    } finally {
      client.middlewareStack.remove('countQueries');
    }
    const posted = management.commandCalls(PostToConnectionCommand).map((call) => call.args[0].input.ConnectionId);
    expect(new Set(posted)).toEqual(new Set(['small-0', 'small-1', 'small-2', 'staff-0', 'staff-1']));
    expect(posted.some((id) => id?.startsWith('busy-'))).toBe(false);
    // staff, group#g-small, ungrouped and the client's watchers (C9): four audiences, four Queries, none of the 200
    // busy connections read.
    expect(queries).toHaveLength(4);
  });
});

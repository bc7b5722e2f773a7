// R5: every operator and visitor action driven to its largest reply stays under API Gateway's 128 KB frame limit.
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperatorActor } from '../../shared/domain/actors';
import { MAX_CLIENT_NAME_LENGTH } from '../../shared/domain/client-names';
import { resetClients } from '../../shared/platform/aws-clients';
import { actorOf, insertOperator } from '../../shared/store/operators';
import { MAX_PAGE_SIZE } from '../../shared/store/pagination';
import { readClientHead } from '../../shared/store/tickets';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { type InboundMessage, ingestClientMessage } from '../../shared/use-cases/ingest';
import { type OPERATOR_ACTION_NAMES, runOperatorAction } from '../../shared/use-cases/operator-actions';
import { runVisitorAction } from '../../shared/use-cases/visitor-chat';
import { createApiChannel } from '../support/channels';
import { useTestTable } from '../support/table';

const FRAME_LIMIT = 128 * 1024;
const management = mockClient(ApiGatewayManagementApiClient);
const root: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
let admin: OperatorActor;
let channelId: string;
let heavyClientId: string;
let heavyTicketId: string;
let tick = 0;

// The costliest text to serialize: every character a control character JSON escapes to six bytes.
const worstText = (length: number) => '\u0001'.repeat(length);
const worstName = () => '\u0002'.repeat(MAX_CLIENT_NAME_LENGTH * 4);

const inbound = (user: string, text: string, name = worstName()): InboundMessage => ({
  channelId,
  externalUserId: user,
  name,
  clientType: 'channel',
  kind: 'text',
  text,
  receivedAt: new Date(Date.now() + ++tick),
});

/** The reply frame as the WebSocket adapter sends it, with the longest requestId it accepts. */
const frameBytes = (data: unknown) =>
  Buffer.byteLength(JSON.stringify({ type: 'reply', requestId: 'r'.repeat(64), ok: true, data }));

beforeAll(async () => {
  await useTestTable();
  process.env.WS_MANAGEMENT_ENDPOINT = 'http://127.0.0.1:9/local';
  resetClients();
  management.on(PostToConnectionCommand).resolves({});
  const group = await createGroup(root, { name: 'Line', strategy: 'manual' });
  channelId = await createApiChannel(root, 'CRM', group.groupId);
  admin = actorOf(
    await insertOperator({
      name: 'Root',
      email: 'root@size.example.com',
      role: 'admin',
      groupIds: [],
      capacity: 500,
      enabled: true,
    }),
  );
  // One client with more long messages than a page holds, and more tickets than a list page holds.
  for (let i = 0; i <= MAX_PAGE_SIZE; i++) {
    const result = await ingestClientMessage(inbound('heavy', worstText(4096)));
    heavyClientId = result.clientId;
  }
  heavyTicketId = (await readClientHead(heavyClientId)).latest?.ticketId as string;
  await Promise.all(
    Array.from({ length: MAX_PAGE_SIZE + 1 }, (_, i) => ingestClientMessage(inbound(`many-${i}`, worstText(4096)))),
  );
}, 600_000);

afterAll(() => management.restore());

describe('R5 replies fit a WebSocket frame', () => {
  it('R5: every paged operator action at its largest page stays under 128 KB', async () => {
    const now = new Date();
    const largest: Record<string, Record<string, unknown>> = {
      list: { tab: 'all', limit: MAX_PAGE_SIZE },
      history: { ticketId: heavyTicketId, limit: MAX_PAGE_SIZE },
    };
    for (const [action, input] of Object.entries(largest)) {
      const data = await runOperatorAction(admin, action as (typeof OPERATOR_ACTION_NAMES)[number], input, now);
      const bytes = frameBytes(data);
      expect(bytes, action).toBeLessThan(FRAME_LIMIT);
      // The page was cut by size, not by count: the rest is one cursor away.
      expect((data as { nextCursor?: string }).nextCursor, action).toBeDefined();
    }
  });

  it('R5: history pages cut by size still return every message exactly once', async () => {
    const seen = new Set<string>();
    const ids = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = (await runOperatorAction(
        admin,
        'history',
        { ticketId: heavyTicketId, limit: MAX_PAGE_SIZE, ...(cursor ? { cursor } : {}) },
        new Date(),
      )) as { items: { messageId: string; kind: string }[]; nextCursor?: string };
      expect(frameBytes(page)).toBeLessThan(FRAME_LIMIT);
      for (const item of page.items) {
        expect(seen.has(item.messageId)).toBe(false);
        expect(ids.has(item.messageId)).toBe(false);
        ids.add(item.messageId);
        if (item.kind !== 'system') seen.add(item.messageId);
      }
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.size).toBe(MAX_PAGE_SIZE + 1);
  });

  it('R5: single-object replies (ticket, client marks, counters) stay under 128 KB at their largest', async () => {
    const now = new Date();
    const replies = [
      await runOperatorAction(admin, 'ticket.get', { ticketId: heavyTicketId }, now),
      await runOperatorAction(admin, 'take', { ticketId: heavyTicketId }, now),
      await runOperatorAction(admin, 'message.send', { ticketId: heavyTicketId, text: worstText(2000) }, now),
      await runOperatorAction(admin, 'client.pin', { clientId: heavyClientId, operatorId: admin.operatorId }, now),
      await runOperatorAction(admin, 'counters', {}, now),
    ];
    for (const data of replies) expect(frameBytes(data)).toBeLessThan(FRAME_LIMIT);
  });

  it('X3: a client name of hundreds of kilobytes is stored normalized and capped, never raw', async () => {
    const { clientId } = await ingestClientMessage(inbound('huge-name', 'hi', `Ivan\u202E${'x'.repeat(420_000)}`));
    const { client, latest } = await readClientHead(clientId);
    expect(client?.originalName).toBe(`Ivan ${'x'.repeat(MAX_CLIENT_NAME_LENGTH - 5)}`);
    expect(client?.name).toBe(client?.originalName);
    expect(latest?.clientName).toBe(client?.originalName);
  });

  it('R5: a widget visitor’s chat.history at its largest page stays under 128 KB', async () => {
    const visitor = { kind: 'visitor' as const, clientId: heavyClientId, channelId };
    const page = await runVisitorAction(visitor, 'chat.history', { limit: MAX_PAGE_SIZE }, new Date());
    expect(frameBytes(page)).toBeLessThan(FRAME_LIMIT);
  });
});

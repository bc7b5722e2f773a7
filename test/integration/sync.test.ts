// R2/R5 catch-up: `sync` returns exactly what changed after a seq, whatever the channel's timestamps, in pages that
// each fit a WebSocket frame. DynamoDB Local; fan-out goes to a local management endpoint with no sockets behind it.
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, startGateway } from '../../infra/local/gateway';
import { recordDeliveryStatus } from '../../shared/channels/delivery';
import type { OperatorActor } from '../../shared/domain/actors';
import { DomainError } from '../../shared/domain/errors';
import { resetClients } from '../../shared/platform/aws-clients';
import { keys } from '../../shared/store/keys';
import { historyPage, type Message } from '../../shared/store/messages';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { getTicket } from '../../shared/store/tickets';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { type InboundMessage, ingestClientMessage } from '../../shared/use-cases/ingest';
import { markRead, sendOperatorMessage } from '../../shared/use-cases/operator-replies';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import { syncTicket } from '../../shared/use-cases/ticket-reads';
import { createApiChannel } from '../support/channels';
import { useTestTable } from '../support/table';

const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
/** API Gateway refuses WebSocket messages over 128 KB (R5). */
const FRAME_LIMIT = 128 * 1024;
let gateway: LocalGateway;
let channelId: string;
let anna: Operator;
let sue: Operator;
let users = 0;
let deliveries = 0;

const inbound = (externalUserId: string, text: string, at: Date): InboundMessage => ({
  channelId,
  externalUserId,
  name: `Client ${externalUserId}`,
  clientType: 'channel',
  kind: 'text',
  text,
  externalMessageId: `${externalUserId}-${++deliveries}`,
  receivedAt: at,
});

/** Every page of `sync` from `afterSeq`, as the front end would ask for them; each reply's size is checked. */
async function syncAll(ticketId: string, afterSeq: number): Promise<Message[]> {
  const found: Message[] = [];
  let after = afterSeq;
  for (let page = 0; page < 100; page++) {
    const reply = await syncTicket(actorOf(sue), ticketId, after);
    const frame = JSON.stringify({ type: 'reply', requestId: 'r-1', ok: true, data: reply });
    expect(Buffer.byteLength(frame)).toBeLessThan(FRAME_LIMIT);
    found.push(...reply.messages);
    if (!reply.more) return found;
    expect(reply.nextAfterSeq).toBe(reply.messages.at(-1)?.seq);
    after = reply.nextAfterSeq as number;
  }
  throw new Error('sync never finished');
}

/** The ticket's messages and notes as stored now (history, all pages). */
async function stored(clientId: string, number: number): Promise<Message[]> {
  const all: Message[] = [];
  let cursor: string | undefined;
  do {
    const page = await historyPage(clientId, keys.ticketMessagesPrefix(number), {
      limit: 100,
      cursor,
      viewer: 'operator',
    });
    all.push(...page.items.map(({ groupedWithPrevious: _g, ...message }) => message));
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

const view = (m: Message) => `${m.messageId}@${m.seq}:${m.status ?? ''}`;

/** R2: for every seq of the ticket, sync returns exactly the messages and notes whose latest change came later. */
async function expectSyncExact(ticketId: string) {
  const ticket = await getTicket(ticketId);
  const all = await stored(ticket.clientId, ticket.number);
  const seqs = all.map((m) => m.seq);
  expect(new Set(seqs).size, `seqs ${seqs}`).toBe(seqs.length);
  expect(Math.max(...seqs)).toBeLessThanOrEqual(ticket.seq);
  for (let afterSeq = 0; afterSeq <= ticket.seq; afterSeq++) {
    const expected = all.filter((m) => m.seq > afterSeq).sort((a, b) => a.seq - b.seq);
    expect((await syncAll(ticketId, afterSeq)).map(view), `sync after ${afterSeq}`).toEqual(expected.map(view));
  }
}

beforeAll(async () => {
  await useTestTable();
  gateway = await startGateway({ httpRoutes: [], webSocketRoutes: [], log: () => undefined });
  process.env.WS_MANAGEMENT_ENDPOINT = gateway.managementEndpoint;
  resetClients();
  const group = (await createGroup(admin, { name: 'First line', strategy: 'manual' })).groupId;
  channelId = await createApiChannel(admin, 'CRM', group);
  const operator = (name: string, role: Operator['role'], groupIds: string[]) =>
    insertOperator({ name, email: `${name.toLowerCase()}@example.com`, role, groupIds, capacity: 50, enabled: true });
  anna = await operator('Anna', 'operator', [group]);
  sue = await operator('Sue', 'supervisor', []);
});

afterAll(async () => {
  await gateway.close();
});

describe('R2 sync by seq', () => {
  it('R2: after a take (seq 3), a channel message stamped 30 s in the past is returned by sync afterSeq 3', async () => {
    const start = Date.now();
    const first = await ingestClientMessage(inbound('late-user', 'hello', new Date(start)));
    const ticketId = first.ticket?.ticketId as string;
    const taken = await runTicketCommand(actorOf(anna), ticketId, { type: 'take' }, new Date(start + 60_000));
    expect(taken.seq).toBe(3);
    // Telegram redelivers an update late: its own `date` is older than the take.
    await ingestClientMessage(inbound('late-user', 'sent while offline', new Date(start + 30_000)));
    const reply = await syncTicket(actorOf(anna), ticketId, 3);
    expect(reply.ticket.seq).toBe(4);
    expect(reply.messages.map((m) => [m.text, m.seq])).toEqual([['sent while offline', 4]]);
    expect(reply.more).toBe(false);
  });

  it('R2/M3: a delivery status change takes a new seq, and sync from before it returns the message with its status', async () => {
    const start = Date.now();
    const first = await ingestClientMessage(inbound('status-user', 'hi', new Date(start)));
    const ticketId = first.ticket?.ticketId as string;
    await runTicketCommand(actorOf(anna), ticketId, { type: 'take' });
    const reply = await sendOperatorMessage(
      actorOf(anna),
      ticketId,
      { text: 'On it' },
      new Date(),
      async () => 'queued',
    );
    const before = await getTicket(ticketId);
    expect(reply.seq).toBe(before.seq);
    await recordDeliveryStatus(before, reply.messageId, { status: 'delivered' });
    const after = await getTicket(ticketId);
    expect(after.seq).toBe(before.seq + 1);
    const synced = await syncTicket(actorOf(anna), ticketId, before.seq);
    expect(synced.messages.map((m) => [m.messageId, m.status, m.seq])).toEqual([
      [reply.messageId, 'delivered', after.seq],
    ]);
    await expectSyncExact(ticketId);
  });

  it('R2: random interleavings of channel timestamps and operator actions — sync from every seq returns exactly the rest', async () => {
    const action = fc.oneof(
      fc.record({ type: fc.constant('client' as const), skewSeconds: fc.integer({ min: -120, max: 120 }) }),
      fc.record({ type: fc.constantFrom('take' as const, 'unassign' as const, 'read' as const, 'reply' as const) }),
      fc.record({
        type: fc.constant('status' as const),
        status: fc.constantFrom('sent' as const, 'delivered' as const, 'read' as const),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 14 }), async (actions) => {
        const user = `prop-${++users}`;
        let clock = Date.now();
        const first = await ingestClientMessage(inbound(user, 'first', new Date(clock)));
        const ticketId = first.ticket?.ticketId as string;
        const replies: string[] = [];
        let n = 0;
        for (const step of actions) {
          clock += 1_000;
          const now = new Date(clock);
          try {
            switch (step.type) {
              case 'client':
                await ingestClientMessage(inbound(user, `m${++n}`, new Date(clock + step.skewSeconds * 1000)));
                break;
              case 'take':
              case 'unassign':
                await runTicketCommand(actorOf(anna), ticketId, { type: step.type }, now);
                break;
              case 'read':
                await markRead(actorOf(anna), ticketId);
                break;
              case 'reply':
                replies.push(
                  (await sendOperatorMessage(actorOf(anna), ticketId, { text: `r${++n}` }, now, async () => 'queued'))
                    .messageId,
                );
                break;
              case 'status': {
                const messageId = replies.at(-1);
                if (messageId)
                  await recordDeliveryStatus(await getTicket(ticketId), messageId, { status: step.status });
                break;
              }
            }
          } catch (error) {
            // A command the state does not allow (take when taken, reply when not assigned) changes nothing.
            if (!(error instanceof DomainError)) throw error;
          }
        }
        await expectSyncExact(ticketId);
      }),
      { numRuns: 12 },
    );
  }, 240_000);
});

describe('R5 sync pages', () => {
  it('R5: a ticket of 60 long messages syncs from 0 in pages that each stay under 128 KB, losing nothing', async () => {
    const start = Date.now();
    const user = 'long-user';
    const first = await ingestClientMessage(inbound(user, `${'я'.repeat(3990)} 0`, new Date(start)));
    for (let i = 1; i < 60; i++)
      await ingestClientMessage(inbound(user, `${'я'.repeat(3990)} ${i}`, new Date(start + i)));
    const ticketId = first.ticket?.ticketId as string;
    const firstPage = await syncTicket(actorOf(sue), ticketId, 0);
    expect(firstPage.more).toBe(true);
    const all = await syncAll(ticketId, 0);
    expect(all.filter((m) => m.author.kind === 'client')).toHaveLength(60);
    expect(all.map((m) => m.seq)).toEqual(Array.from({ length: 61 }, (_, i) => i + 1));
  }, 120_000);
});

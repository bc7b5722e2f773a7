// Small protocol rules through the local gateway: routes without input take `{}` as no body (R1), one 4096-character
// bound for client texts on every channel (M4), and the client's ticket count on ticket.get and list rows (T12).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSignatureHeaders } from '../../shared/channels/api';
import { clientIdFor } from '../../shared/store/clients';
import type { Operator } from '../../shared/store/operators';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { type AuthGateway, seedGroup, seedOperator, startAuthGateway } from '../support/operator-auth';
import { useTestTable } from '../support/table';

let stack: AuthGateway;
let anna: Operator;
let token: string;
let channelId: string;
let secret: string;

beforeAll(async () => {
  await useTestTable();
  stack = await startAuthGateway();
  const group = await seedGroup('First line');
  anna = await seedOperator({ name: 'Anna', groupIds: [group.groupId] });
  token = await stack.tokens.mintAccessToken(anna.operatorId);
  const created = await createChannel(
    { kind: 'operator', operatorId: 'op_seed', role: 'admin', groupIds: [] },
    {
      kind: 'api',
      name: 'CRM',
      defaultGroupId: group.groupId,
      enabled: true,
      settings: { callbackUrl: 'https://crm.example/callback' },
      overrides: {},
    },
  );
  channelId = created.channelId;
  secret = created.webhookSecret;
});

afterAll(async () => {
  await stack.gateway.close();
});

function postWebhook(payload: unknown) {
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  return fetch(`${stack.gateway.httpUrl}/channels/${channelId}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...apiSignatureHeaders(secret, body) },
    body,
  });
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
type Body = Record<string, any>;

async function api(method: string, path: string, body?: string) {
  const response = await fetch(`${stack.gateway.httpUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body }),
  });
  return { status: response.status, body: (await response.json()) as Body };
}

/** The client's open ticket, as Anna finds it in her Unassigned tab. */
async function unassignedTicketOf(userId: string): Promise<string> {
  const clientId = clientIdFor(channelId, userId);
  const list = await api('GET', '/tickets?tab=unassigned');
  const row = list.body.items.find((item: { clientId: string }) => item.clientId === clientId);
  if (!row) throw new Error(`no unassigned ticket of ${userId}`);
  return row.ticketId;
}

let messageCounter = 0;
async function clientWrites(userId: string, text: string) {
  return postWebhook({ type: 'message', messageId: `m-${++messageCounter}`, user: { id: userId, name: userId }, text });
}

describe('protocol frictions', () => {
  it('R1: POST /tickets/{id}/take and /auth/connect-code accept an empty JSON object; any other body is refused', async () => {
    expect((await clientWrites('user-take', 'Hello')).status).toBe(200);
    const ticketId = await unassignedTicketOf('user-take');
    const refused = await api('POST', `/tickets/${ticketId}/take`, '{"note":"x"}');
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
    expect((await api('GET', `/tickets/${ticketId}`)).body.ticket.status).toBe('unassigned');

    const taken = await api('POST', `/tickets/${ticketId}/take`, '{}');
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({ status: 'in_progress', assigneeId: anna.operatorId });

    const code = await api('POST', '/auth/connect-code', '{}');
    expect(code.status).toBe(201);
    expect(code.body.code).toMatch(/^cc_/);
    expect(await api('POST', '/auth/connect-code', '{"a":1}')).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid', message: 'This route takes no request body.' } },
    });
  });

  it('M4: the api channel stores a 4096-character client text as sent and refuses 4097 with nothing stored', async () => {
    const longest = `${'ы'.repeat(4095)}!`;
    expect((await clientWrites('user-long', longest)).status).toBe(200);
    const ticketId = await unassignedTicketOf('user-long');
    const history = await api('GET', `/tickets/${ticketId}/messages`);
    const stored = history.body.items.find((m: { author: { kind: string } }) => m.author.kind === 'client');
    expect(stored.text).toBe(longest);

    const tooLong = await clientWrites('user-long', 'x'.repeat(4097));
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toMatchObject({
      error: { code: 'invalid', message: 'The message is longer than 4096 characters.' },
    });
    const after = await api('GET', `/tickets/${ticketId}/messages`);
    expect(after.body.items).toHaveLength(history.body.items.length);
  });

  it("T12: ticket.get and list rows carry the client's ticket count", async () => {
    expect((await clientWrites('user-count', 'First problem')).status).toBe(200);
    const clientId = clientIdFor(channelId, 'user-count');
    const first = await unassignedTicketOf('user-count');
    const firstView = await api('GET', `/tickets/${first}`);
    expect(firstView.body.ticket.clientTicketCount).toBe(1);
    expect(firstView.body.client.ticketCount).toBe(1);
    expect((await api('POST', `/tickets/${first}/take`)).status).toBe(200);
    expect((await api('POST', `/tickets/${first}/close`, '{}')).status).toBe(200);

    expect((await clientWrites('user-count', 'Second problem')).status).toBe(200);
    const unassigned = await api('GET', '/tickets?tab=unassigned');
    const row = unassigned.body.items.find((item: { clientId: string }) => item.clientId === clientId);
    expect(row).toMatchObject({ clientTicketCount: 2, lastMessagePreview: 'Second problem' });
    const second = await api('GET', `/tickets/${row.ticketId}`);
    expect(second.body.ticket.clientTicketCount).toBe(2);
    expect(second.body.client.ticketCount).toBe(2);
  });
});

// CH1–CH3, M3 end to end through the local gateway: a CRM posts a signed webhook, an operator sees the ticket over
// the WebSocket API and replies, the reply reaches the CRM's callback (the fake channel server), and the CRM's signed
// read report reaches the operator as message.status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeChannels, startFakeChannels } from '../../infra/local/fake-channels';
import { apiSignatureHeaders, verifyApiSignature } from '../../shared/channels/api';
import { resetClients } from '../../shared/platform/aws-clients';
import type { Operator } from '../../shared/store/operators';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { type AuthGateway, seedGroup, seedOperator, startAuthGateway, withToken } from '../support/operator-auth';
import { connect, type Peer } from '../support/peer';
import { useTestTable } from '../support/table';

let stack: AuthGateway;
let fake: FakeChannels;
let anna: Operator;
let channelId: string;
let secret: string;
let socket: Peer | undefined;

beforeAll(async () => {
  await useTestTable();
  stack = await startAuthGateway();
  fake = await startFakeChannels({ port: 0 });
  Object.assign(process.env, fake.env());
  resetClients();
  const group = await seedGroup('First line');
  anna = await seedOperator({ name: 'Anna', groupIds: [group.groupId] });
  const created = await createChannel(
    { kind: 'operator', operatorId: 'op_seed', role: 'admin', groupIds: [] },
    {
      kind: 'api',
      name: 'CRM',
      defaultGroupId: group.groupId,
      enabled: true,
      settings: { callbackUrl: `${fake.url}/api-callback/crm` },
      overrides: {},
    },
  );
  channelId = created.channelId;
  secret = created.webhookSecret;
});

afterAll(async () => {
  await socket?.close();
  await stack.gateway.close();
  await fake.stop();
});

/** What a CRM would run: sign "<timestamp>.<body>" with the channel secret and POST it. */
function postWebhook(payload: unknown, contentType = 'application/json') {
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  return fetch(`${stack.gateway.httpUrl}/channels/${channelId}/webhook`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...apiSignatureHeaders(secret, body) },
    body,
  });
}

describe('CH1–CH3 api channel through the local gateway', () => {
  it('CH1/CH3/M3: signed webhook → ticket.created live → reply reaches the callback → read report → message.status', async () => {
    const token = await stack.tokens.mintAccessToken(anna.operatorId);
    const peer = await connect(`${stack.gateway.wsUrl}${withToken(token)}`);
    socket = peer;

    const inbound = await postWebhook({
      type: 'message',
      messageId: 'crm-e2e-1',
      user: { id: 'crm-user-7', name: 'Ivan Petrov' },
      text: 'My transfer is stuck',
    });
    expect(inbound.status).toBe(200);
    expect(await inbound.json()).toMatchObject({ ok: true, messages: 1 });

    const created = await peer.waitFor((f) => f.event === 'ticket.created');
    const ticketId = created.data?.ticketId as string;
    expect(created.data?.ticket).toMatchObject({
      clientName: 'Ivan Petrov',
      lastMessagePreview: 'My transfer is stuck',
    });
    expect((await peer.call('take', { ticketId })).ok).toBe(true);
    const reply = await peer.call('message.send', { ticketId, text: 'Checking it now' });
    expect(reply).toMatchObject({ ok: true, data: { status: 'sent', text: 'Checking it now' } });
    const messageId = reply.data?.messageId as string;

    const [callback] = await fake.waitForCalls('/api-callback/crm');
    expect(callback?.body).toMatchObject({
      type: 'message',
      messageId,
      user: { id: 'crm-user-7' },
      text: 'Checking it now',
    });
    expect(() =>
      verifyApiSignature(secret, callback?.headers ?? {}, callback?.rawBody ?? Buffer.alloc(0), new Date()),
    ).not.toThrow();

    // Sent as bytes of a non-text type: the gateway hands the body over base64-encoded, the signature still holds.
    const report = await postWebhook({ type: 'status', messageId, status: 'read' }, 'application/octet-stream');
    expect(report.status).toBe(200);
    expect(await report.json()).toMatchObject({ ok: true, statuses: 1 });
    await peer.waitFor(
      (f) => f.event === 'message.status' && f.data?.messageId === messageId && f.data?.status === 'read',
    );

    // A request the CRM did not sign never reaches anyone.
    const forged = await fetch(`${stack.gateway.httpUrl}/channels/${channelId}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', messageId: 'forged', user: { id: 'mallory' }, text: 'hi' }),
    });
    expect(forged.status).toBe(401);
  });
});

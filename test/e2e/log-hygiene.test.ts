// OP1/OP2 end to end: every log line of a full flow through the local gateway (a CRM webhook, an operator over the
// WebSocket and HTTP APIs, a reply, a failed delivery, a forged webhook, a timers sweep) is captured and scanned: each
// is JSON, each request has its line with ids and outcome, and no line holds a token, a secret or a message text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as timersHandler } from '../../functions/scheduled/timers';
import { type FakeChannels, startFakeChannels } from '../../infra/local/fake-channels';
import { lambdaContext } from '../../infra/local/lambda-runtime';
import { apiSignatureHeaders } from '../../shared/channels/api';
import { resetClients } from '../../shared/platform/aws-clients';
import { setLogSink } from '../../shared/platform/log';
import { METRIC } from '../../shared/platform/metrics';
import type { Operator } from '../../shared/store/operators';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { type AuthGateway, seedGroup, seedOperator, startAuthGateway, withToken } from '../support/operator-auth';
import { connect, type Peer } from '../support/peer';
import { useTestTable } from '../support/table';

const CLIENT_TEXT = 'Zebra-umbrella private words 4471';
const REPLY_TEXT = 'Operator answer with quokka 9823';
const SECOND_REPLY = 'Second answer with wombat 5512';

let stack: AuthGateway;
let fake: FakeChannels;
let anna: Operator;
let channelId: string;
let secret: string;
let socket: Peer | undefined;
const raw: string[] = [];
let restoreSink: ReturnType<typeof setLogSink>;

beforeAll(async () => {
  restoreSink = setLogSink((line) => raw.push(line));
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
  setLogSink(restoreSink);
  await socket?.close();
  await stack.gateway.close();
  await fake.stop();
});

function postWebhook(payload: unknown, headers: Record<string, string>) {
  return fetch(`${stack.gateway.httpUrl}/channels/${channelId}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(payload),
  });
}

describe('Log hygiene through a full flow', () => {
  it('OP1: no log line of a full flow holds a token, a secret or a message text; every request has its JSON line', async () => {
    const token = await stack.tokens.mintAccessToken(anna.operatorId);
    const peer = await connect(`${stack.gateway.wsUrl}${withToken(token)}`);
    socket = peer;

    const body = JSON.stringify({
      type: 'message',
      messageId: 'crm-log-1',
      user: { id: 'crm-user-9', name: 'Vera Logova' },
      text: CLIENT_TEXT,
    });
    const inbound = await postWebhook(JSON.parse(body), apiSignatureHeaders(secret, body));
    expect(inbound.status).toBe(200);
    const ticketId = (await peer.waitFor((f) => f.event === 'ticket.created')).data?.ticketId as string;
    expect((await peer.call('take', { ticketId })).ok).toBe(true);
    expect(await peer.call('message.send', { ticketId, text: REPLY_TEXT })).toMatchObject({ ok: true });
    // The CRM's callback refuses the next reply for good: a delivery failure, counted and logged without its text.
    fake.failNext('/api-callback/crm', 400, 10);
    const failed = await fetch(`${stack.gateway.httpUrl}/tickets/${ticketId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: SECOND_REPLY }),
    });
    expect(failed.status).toBe(201);
    expect(await peer.call('bogus.action', {})).toMatchObject({ ok: false });
    // A forged webhook: refused, counted as a refused signature.
    const forged = await postWebhook(
      { type: 'message', messageId: 'forged', user: { id: 'm' }, text: CLIENT_TEXT },
      {},
    );
    expect(forged.status).toBe(401);
    await timersHandler(
      { time: new Date().toISOString(), source: 'aws.events', 'detail-type': 'Scheduled Event' } as never,
      lambdaContext('functions/scheduled/timers.ts'),
    );
    await peer.close();
    // $disconnect runs once the gateway sees the socket close.
    for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
      if (raw.some((line) => line.includes('"route":"$disconnect"'))) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const lines = raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = lines.filter((line) => line.message === 'request');
    const routes = requests.map((line) => line.route);
    expect(routes).toEqual(
      expect.arrayContaining([
        'authorize $connect',
        '$connect',
        'POST /channels/{channelId}/webhook',
        'take',
        'message.send',
        'POST /tickets/{ticketId}/messages',
        '$default',
        'schedule',
        '$disconnect',
      ]),
    );
    for (const line of requests) {
      expect(typeof line.requestId, JSON.stringify(line)).toBe('string');
      expect(typeof line.durationMs).toBe('number');
      expect(line.outcome).toBeDefined();
    }
    const take = requests.find((line) => line.route === 'take');
    expect(take).toMatchObject({ ticketId, operatorId: anna.operatorId, outcome: 'ok' });
    expect(typeof take?.connectionId).toBe('string');
    expect(requests.find((line) => line.route === 'schedule')).toMatchObject({ fired: 0, failed: 0 });
    const metrics = lines.filter((line) => line._aws);
    expect(metrics.some((m) => m[METRIC.messagesIn] === 1 && m.ChannelKind === 'api')).toBe(true);
    expect(metrics.some((m) => m[METRIC.signaturesRefused] === 1)).toBe(true);
    expect(metrics.some((m) => m[METRIC.deliveryFailures] === 1)).toBe(true);

    const everything = raw.join('\n');
    for (const secretValue of [token, secret, CLIENT_TEXT, REPLY_TEXT, SECOND_REPLY, 'Zebra-umbrella', 'quokka']) {
      expect(everything.includes(secretValue), `a log line holds ${secretValue.slice(0, 12)}…`).toBe(false);
    }
    // No piece of a JWT either (its header always starts so).
    expect(everything).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  });
});

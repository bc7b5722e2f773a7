// The operator's day on the local stack, through the real gateway and stream poller (Q1–Q4, M7, M8, C1, C4, C7, C9):
// a Telegram client writes; Anna types "/hel" and sends the greeting rendered with the client's name, tags two
// messages "complaint", finds the ticket by three letters of a word, writes a note, marks the client VIP and watches
// it — and the supervisor sees it all live on its own socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelSampleRequest } from '../../infra/local/channel-samples';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack';
import { type DemoTenant, seedDemoTenant } from '../../infra/local/seed';
import { connect, type Peer } from '../support/peer';
import { freePortBase } from '../support/ports';

let stack: LocalStack;
let demo: DemoTenant;
let anna: Peer;
let supervisor: Peer;

async function socketOf(operatorId: string): Promise<Peer> {
  const token = await stack.tokens.mintAccessToken(operatorId);
  return connect(`${stack.urls.webSocket}?token=${encodeURIComponent(token)}`);
}

async function telegramSays(text: string, at: Date): Promise<void> {
  const request = channelSampleRequest('telegram', stack.urls.http, demo, text, at);
  const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
  expect(response.status).toBe(200);
}

beforeAll(async () => {
  stack = await startLocalStack({
    portBase: await freePortBase(),
    persist: false,
    seed: false,
    streamPollMs: 0,
    log: () => {},
  });
  demo = await seedDemoTenant({ apiCallbackUrl: `${stack.urls.channels}/api-callback/crm` });
  anna = await socketOf(demo.operators.anna);
  supervisor = await socketOf(demo.operators.supervisor);
}, 120_000);

afterAll(async () => {
  await anna?.close();
  await supervisor?.close();
  await stack?.stop();
});

describe('an operator works a ticket with quick replies, tags, search, profile and favourites', () => {
  it('Q1–Q4/M7/M8/C1/C4/C9: "/hel" renders the greeting, two messages tagged, found by three letters, note, VIP, watch — the supervisor sees it live', async () => {
    await telegramSays('My parcel is late again', new Date(Date.UTC(2026, 10, 29, 9, 0, 0)));
    const created = await anna.waitForEvent('ticket.created');
    const ticketId = String(created.data?.ticketId);
    const clientId = String((created.data?.ticket as { clientId?: string } | undefined)?.clientId);
    await supervisor.waitForEvent('ticket.created', (data) => data.ticketId === ticketId);
    await telegramSays('Still no parcel, this is a complaint', new Date(Date.UTC(2026, 10, 29, 9, 0, 5)));
    await anna.callOk('take', { ticketId });

    // Q1–Q4: a personal quick reply, looked up as typed after "/", rendered for this ticket and sent.
    await anna.callOk('template.create', {
      title: 'Greeting',
      command: 'hello',
      text: 'Hello, {{client.name}}! This is {{operator.name}}, I am on it.',
    });
    const lookup = await anna.callOk('template.lookup', { command: '/hel' });
    const [greeting] = lookup.items as Array<{ templateId: string; command: string }>;
    expect(greeting?.command).toBe('hello');
    const rendered = await anna.callOk('template.render', { templateId: greeting?.templateId, ticketId });
    expect(rendered.text).toBe('Hello, Olga Petrova! This is Anna, I am on it.');
    await anna.callOk('message.send', { ticketId, text: rendered.text });
    await supervisor.waitForEvent(
      'message.created',
      (data) => (data.message as { text?: string }).text === rendered.text,
    );

    // M7: the client's two messages tagged "complaint"; the supervisor sees the tagging live.
    const history = await anna.callOk('history', { ticketId, limit: 20 });
    const clientMessages = (history.items as Array<{ messageId: string; author: { kind: string } }>).filter(
      (message) => message.author.kind === 'client',
    );
    expect(clientMessages).toHaveLength(2);
    const tagged = await anna.callOk('tag', {
      ticketId,
      messageIds: clientMessages.map((message) => message.messageId),
      tag: 'complaint',
    });
    expect(tagged.tag).toMatchObject({ name: 'complaint', count: 2 });
    await supervisor.waitForEvent('message.tagged', (data) => data.ticketId === ticketId && data.tag === 'complaint');

    // M8: found by three letters of a word, once the stream has been projected.
    await stack.streams.drain();
    const found = await anna.callOk('search', { query: 'par' });
    expect((found.items as Array<{ ticket: { ticketId: string } }>).map((hit) => hit.ticket.ticketId)).toContain(
      ticketId,
    );

    // C4, C1/C7, C9: a note, the VIP mark and a watch; the supervisor gets client.updated live.
    const note = await anna.callOk('note.add', { clientId, text: 'Parcel 44-1 lost by the courier; refund offered.' });
    expect(note).toMatchObject({ text: 'Parcel 44-1 lost by the courier; refund offered.' });
    await anna.callOk('client.update', { clientId, vip: true });
    await supervisor.waitForEvent('client.updated', (data) => data.clientId === clientId);
    await anna.callOk('client.watch', { clientId });
    const profile = await supervisor.callOk('client.get', { clientId });
    expect(profile.client).toMatchObject({ vip: true, originalName: 'Olga Petrova' });
    const notes = await supervisor.callOk('client.notes', { clientId });
    expect((notes.items as Array<{ text: string }>).map((item) => item.text)).toEqual([
      'Parcel 44-1 lost by the courier; refund offered.',
    ]);
    const favourites = await anna.callOk('favourites');
    expect((favourites.items as Array<{ clientId: string }>).map((item) => item.clientId)).toEqual([clientId]);
  }, 120_000);
});

// The protocol module says what the code really sends: on the local stack (gateway, stream poller, S3, SES, fake
// channels), operators and a widget visitor run every action through the typed client; every frame they receive —
// each reply and each event, as it came over the socket — is checked against its schema in shared/protocol. A reply or
// event that drifts from its schema, or an action or event the flow no longer produces, fails here.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { channelSampleRequest } from '../../infra/local/channel-samples';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack';
import { DEMO_WIDGET_ORIGIN, type DemoTenant, seedDemoTenant } from '../../infra/local/seed';
import type { OperatorActor } from '../../shared/domain/actors';
import { type ActionName, actionInputs } from '../../shared/protocol/actions';
import { adminReplies } from '../../shared/protocol/admin';
import { connect, type SwitchboardClient, type WebSocketConstructor } from '../../shared/protocol/client';
import { EVENT_TYPES } from '../../shared/protocol/events';
import { errorReplyFrame, eventFrame, eventsFrame, okReplyFrame } from '../../shared/protocol/frame-schemas';
import * as httpSchemas from '../../shared/protocol/http';
import { actionReplies } from '../../shared/protocol/replies';
import { readSettings, settingsSchema } from '../../shared/store/settings';
import { fireDueTimers } from '../../shared/store/timers';
import { replaceSettings } from '../../shared/use-cases/admin/settings';
import { timerJobs } from '../../shared/use-cases/timer-jobs';
import { freePortBase } from '../support/ports';
import { PDF, postUpload } from '../support/uploads';
import { eventually } from './clients';

const admin: OperatorActor = { kind: 'operator', operatorId: 'op_conformance', role: 'admin', groupIds: [] };

/** Every frame received, as parsed JSON, and the action of every requestId sent. */
const received: Array<{ frame: unknown; from: string }> = [];
const actionOf = new Map<string, string>();

/** A `ws` socket that records what goes out and what comes in; the typed client is given it as its WebSocket. */
function recordingSocket(who: string, origin?: string): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, origin ? { origin } : {});
      this.on('message', (data) => received.push({ frame: JSON.parse(String(data)), from: who }));
    }

    override send(data: string) {
      const frame = JSON.parse(data) as { action: string; requestId: string };
      actionOf.set(frame.requestId, frame.action);
      super.send(data);
    }
  } as unknown as WebSocketConstructor;
}

let stack: LocalStack;
let demo: DemoTenant;
const clients: SwitchboardClient[] = [];

async function operatorClient(operatorId: string): Promise<SwitchboardClient> {
  const client = connect({
    url: stack.urls.webSocket,
    getConnectCode: () => stack.tokens.mintAccessToken(operatorId),
    WebSocket: recordingSocket(operatorId),
  });
  clients.push(client);
  await eventually(() => client.state === 'open', 5_000);
  return client;
}

/** A Telegram client writes; with `edit`, it then edits that message on Telegram (an `edited_message` update). */
async function telegramSays(text: string, edit?: string): Promise<void> {
  const request = channelSampleRequest('telegram', stack.urls.http, demo, text, new Date());
  const post = async (body: string) =>
    expect((await fetch(request.url, { method: 'POST', headers: request.headers, body })).status).toBe(200);
  await post(request.body);
  if (edit === undefined) return;
  const update = JSON.parse(request.body) as { update_id: number; message: { date: number } };
  const { update_id, message } = update;
  await post(
    JSON.stringify({
      update_id: update_id + 1,
      edited_message: { ...message, text: edit, edit_date: message.date + 5 },
    }),
  );
}

beforeAll(async () => {
  stack = await startLocalStack({ portBase: await freePortBase(), persist: false, seed: false, log: () => {} });
  demo = await seedDemoTenant({ apiCallbackUrl: `${stack.urls.channels}/api-callback/crm` });
  // CH4 needs its setting; everything else as the demo tenant has it.
  const settings = await readSettings();
  await replaceSettings(admin, settingsSchema.parse({ ...settings, outboundByPhone: { whatsapp: true } }));
}, 120_000);

afterAll(async () => {
  for (const client of clients) client.close();
  await stack?.stop();
});

describe('R1/R2: every reply and event the code sends matches shared/protocol', () => {
  it('R1/R2: a flow through every action — each reply and event frame received parses with its schema', async () => {
    const anna = await operatorClient(demo.operators.anna);
    const supervisor = await operatorClient(demo.operators.supervisor);
    const boris = await operatorClient(demo.operators.boris);

    // A widget visitor writes; its own client is the typed client too, with its visitor token as the code.
    const session = (await (
      await fetch(`${stack.urls.http}/widget/${demo.channels.widget}/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Olga' }),
      })
    ).json()) as { visitorToken: string; clientId: string };
    const visitor = connect({
      url: stack.urls.webSocket,
      getConnectCode: async () => session.visitorToken,
      WebSocket: recordingSocket('visitor', DEMO_WIDGET_ORIGIN),
    });
    clients.push(visitor);
    await visitor.request('whoami', {});
    await visitor.request('chat.send', { text: 'My card is blocked' });
    const visitorSlot = await visitor.request('chat.upload', {
      fileName: 'statement.pdf',
      contentType: 'application/pdf',
      size: PDF.length,
    });
    expect((await postUpload(visitorSlot, PDF, 'statement.pdf', 'application/pdf')).status).toBeLessThan(300);
    await visitor.request('chat.send', { text: '', attachments: [visitorSlot.key] });
    await visitor.request('chat.typing', { typing: true });
    await visitor.request('chat.history', {});

    const listed = await eventually(async () => {
      const page = await anna.request('list', { tab: 'unassigned' });
      return page.items.find((row) => 'ticketId' in row && row.clientId === session.clientId);
    }, 5_000);
    const ticketId = (listed as { ticketId: string }).ticketId;
    const { ticket } = await anna.request('ticket.get', { ticketId });
    // S4: the client waits past the demo tenant's warning (30 s) and deadline (60 s): the timers fire as they would.
    const waitingSince = Date.parse(ticket.sla?.since ?? new Date().toISOString());
    await fireDueTimers(new Date(waitingSince + 31_000), timerJobs);
    await fireDueTimers(new Date(waitingSince + 61_000), timerJobs);
    const clientId = ticket.clientId;
    await anna.request('history', { ticketId });
    await anna.request('sync', { ticketId, afterSeq: 0 });
    await anna.request('take', { ticketId });
    await anna.request('markRead', { ticketId });
    await anna.request('typing', { ticketId, typing: true });
    await anna.request('counters', {});
    await anna.request('categories', {});
    // O3/T5: the team directory, as an operator (its groups) and as a supervisor (everyone).
    const team = await anna.request('operators.list', {});
    expect(team.items.find((member) => member.operatorId === demo.operators.anna)?.online).toBe(true);
    await supervisor.request('operators.list', { limit: 2 });
    await anna.request('ping', {});

    // Replies with a file, a quick reply and a draft.
    const slot = await anna.request('upload.create', {
      ticketId,
      fileName: 'terms.pdf',
      contentType: 'application/pdf',
      size: PDF.length,
    });
    expect((await postUpload(slot, PDF, 'terms.pdf', 'application/pdf')).status).toBeLessThan(300);
    const sent = await anna.request('message.send', { ticketId, text: 'Here are the terms', attachments: [slot.key] });
    // The visitor gets the reply as its own view, then leaves: its assignee sees it go offline.
    await eventually(() =>
      received.some(({ frame, from }) => from === 'visitor' && JSON.stringify(frame).includes('terms.pdf')),
    );
    await visitor.request('chat.end', {});
    visitor.close();
    await anna.request('draft.save', { ticketId, text: 'Let me check' });
    await anna.request('draft.get', { ticketId });
    await anna.request('draft.clear', { ticketId });
    const template = await anna.request('template.create', { title: 'Hi', command: 'hi', text: 'Hi {{client.name}}' });
    await anna.request('template.update', { templateId: template.templateId, title: 'Hello' });
    await anna.request('template.lookup', { command: '/h' });
    await anna.request('template.render', { templateId: template.templateId, ticketId });
    await anna.request('template.delete', { templateId: template.templateId });
    await anna.request('tag', { ticketId, messageIds: [sent.messageId], tag: 'terms' });
    await anna.request('tags', {});
    await anna.request('tag.messages', { tag: 'terms' });

    // The client: profile, notes, favourites, pin, search.
    await anna.request('client.get', { clientId });
    await anna.request('client.update', { clientId, name: 'Olga Petrova', vip: true });
    const note = await anna.request('note.add', { clientId, text: 'Prefers e-mail' });
    await anna.request('note.edit', { clientId, noteId: note.noteId, text: 'Prefers e-mail, mornings' });
    await anna.request('client.notes', { clientId });
    await anna.request('note.delete', { clientId, noteId: note.noteId });
    await anna.request('client.tickets', { clientId });
    await supervisor.request('client.watch', { clientId });
    await supervisor.request('favourites', {});
    await supervisor.request('client.unwatch', { clientId });
    await anna.request('client.pin', { clientId, operatorId: demo.operators.anna });
    await anna.request('client.unpin', { clientId });
    await eventually(async () => (await anna.request('search', { query: 'blocked' })).items.length > 0, 5_000);
    await anna.request('search', { query: 'Olga', in: 'clients' });
    await anna.request('client.search', { clientId, query: 'terms' });
    await anna.request('ticket.transcript', { ticketId, to: 'olga@example.com', subject: 'Our chat' });

    // Ticket commands, then the ticket closes and a new dialog starts.
    const categories = await supervisor.request('categories', {});
    await anna.request('setCategory', { ticketId, categoryId: categories.items[0]?.categoryId ?? null });
    await supervisor.request('assign', { ticketId, operatorId: demo.operators.boris });
    await boris.request('unassign', { ticketId });
    await anna.request('transfer', { ticketId, groupId: demo.groups.secondLine });
    await boris.request('take', { ticketId });
    await boris.request('close', { ticketId });
    await supervisor.request('start', { clientId });
    await supervisor.request('client.blacklist', { clientId });
    await supervisor.request('list', { tab: 'blacklist' });
    await supervisor.request('client.unblock', { clientId });
    await supervisor.request('start.phone', {
      channelId: demo.channels.whatsapp,
      phone: '+4915112345678',
      template: 'hello_world',
    });
    // A Telegram client writes (channel messages, delivery statuses from a channel), and the visitor leaves.
    await telegramSays('Hello from Telegram', 'Hello from Telegram, edited');
    // A refused action answers an error frame, which has its schema too.
    await anna.request('take', { ticketId: 'nope' }).catch(() => undefined);
    await eventually(() => received.some(({ frame }) => JSON.stringify(frame).includes('"client.presence"')), 5_000);

    // Every frame received parses with its schema.
    const problems: string[] = [];
    const repliedActions = new Set<string>();
    const seenEvents = new Set<string>();
    for (const { frame, from } of received) {
      const head = frame as { type?: string; requestId?: string; ok?: boolean; event?: string; events?: unknown[] };
      let result: { success: boolean; error?: { issues: unknown[] } };
      let what: string;
      if (head.type === 'reply') {
        const action = actionOf.get(head.requestId ?? '') as ActionName | undefined;
        what = `reply to ${action} (${from})`;
        if (head.ok && action && action in actionReplies) {
          result = okReplyFrame(actionReplies[action]).safeParse(frame);
          if (result.success) repliedActions.add(action);
        } else
          result = head.ok
            ? { success: false, error: { issues: ['no such action'] } }
            : errorReplyFrame.safeParse(frame);
      } else if (head.type === 'events') {
        what = `events frame (${from})`;
        result = eventsFrame.safeParse(frame);
        for (const event of (head.events ?? []) as Array<{ event: string }>) seenEvents.add(event.event);
      } else {
        what = `${head.event} event (${from})`;
        result = eventFrame.safeParse(frame);
        if (head.event) seenEvents.add(head.event);
      }
      if (!result.success) problems.push(`${what}: ${JSON.stringify(result.error?.issues).slice(0, 600)}`);
    }
    expect(problems).toEqual([]);
    // Every action answered at least once, and every event came by.
    expect([...repliedActions].sort()).toEqual(Object.keys(actionInputs).sort());
    expect([...seenEvents].sort()).toEqual([...EVENT_TYPES].sort());
  });

  it("R1: the HTTP API's own answers (health, session, connect code, profile, reports, errors) parse with theirs", async () => {
    const token = await stack.tokens.mintAccessToken(demo.operators.supervisor);
    const call = async (method: string, route: string, body?: unknown) => {
      const response = await fetch(`${stack.urls.http}${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    const answers = [
      [httpSchemas.healthReply, await call('GET', '/health')],
      [httpSchemas.widgetSessionReply, await call('POST', `/widget/${demo.channels.widget}/session`, { name: 'Ivan' })],
      [httpSchemas.connectCodeReply, await call('POST', '/auth/connect-code')],
      [httpSchemas.operatorProfile, await call('GET', '/me')],
      [httpSchemas.reportReply, await call('GET', '/reports?from=2026-11-01&to=2026-11-30&by=operator')],
      [httpSchemas.httpErrorBody, await call('GET', '/reports?from=2026-11-01&by=operator')],
      [actionReplies.list, await call('GET', '/tickets?tab=all')],
    ] as const;
    for (const [schema, answer] of answers) {
      const parsed = schema.safeParse(answer.body);
      expect(parsed.success, `${JSON.stringify(answer).slice(0, 300)}: ${parsed.error?.message}`).toBe(true);
    }
    expect(answers.map(([, answer]) => answer.status)).toEqual([200, 201, 201, 200, 200, 400, 200]);
  });

  it('R1: the local stack serves the API documents at /docs: a page of every action, event and route, and both JSON files', async () => {
    const page = await fetch(`${stack.urls.docs}`);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    for (const name of ['ticket.transcript', 'chat.send', 'message.tagged', 'GET /reports', 'POST /admin/webhooks'])
      expect(html).toContain(name);
    for (const file of ['asyncapi.json', 'openapi.json']) {
      const served = await fetch(`${stack.urls.docs}/${file}`);
      expect(served.status).toBe(200);
      expect(await served.text()).toBe(await readFile(path.join(import.meta.dirname, '../../docs/api', file), 'utf8'));
    }
  });

  it('O4/W1: every admin answer (operators, groups, channels, categories, settings, webhooks) parses with its schema', async () => {
    const token = await stack.tokens.mintAccessToken(demo.operators.admin);
    const checked: string[] = [];
    const call = async (name: string, method: string, route: string, body?: unknown) => {
      const response = await fetch(`${stack.urls.http}${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (response.status === 204) return {} as Record<string, string>;
      const answer = (await response.json()) as Record<string, string>;
      expect(response.status, `${name}: ${JSON.stringify(answer)}`).toBeLessThan(300);
      const schema = name === 'settings' ? settingsSchema : adminReplies[name as keyof typeof adminReplies];
      const parsed = schema.safeParse(answer);
      expect(parsed.success, `${name}: ${parsed.error?.message}`).toBe(true);
      checked.push(name);
      return answer;
    };
    await call('operators.list', 'GET', '/admin/operators');
    const operator = await call('operators.create', 'POST', '/admin/operators', {
      name: 'Vera',
      email: 'vera@example.com',
      groupIds: [demo.groups.firstLine],
    });
    await call('operators.show', 'GET', `/admin/operators/${operator.operatorId}`);
    await call('operators.update', 'PATCH', `/admin/operators/${operator.operatorId}`, { capacity: 3 });
    await call('groups.list', 'GET', '/admin/groups');
    const group = await call('groups.create', 'POST', '/admin/groups', { name: 'Third line' });
    await call('groups.show', 'GET', `/admin/groups/${group.groupId}`);
    await call('groups.update', 'PATCH', `/admin/groups/${group.groupId}`, { strategy: 'round_robin' });
    await call('groups.remove', 'DELETE', `/admin/groups/${group.groupId}`);
    await call('channels.list', 'GET', '/admin/channels');
    const channel = await call('channels.create', 'POST', '/admin/channels', {
      kind: 'api',
      name: 'ERP',
      defaultGroupId: demo.groups.firstLine,
      settings: { callbackUrl: `${stack.urls.channels}/api-callback/erp` },
    });
    await call('channels.show', 'GET', `/admin/channels/${channel.channelId}`);
    await call('channels.update', 'PATCH', `/admin/channels/${channel.channelId}`, { name: 'ERP 2' });
    await call('channels.rotateSecret', 'POST', `/admin/channels/${channel.channelId}/secret`);
    await call('categories.list', 'GET', '/admin/categories');
    const category = await call('categories.create', 'POST', '/admin/categories', { name: 'Refunds' });
    await call('categories.rename', 'PATCH', `/admin/categories/${category.categoryId}`, { name: 'Returns' });
    await call('categories.remove', 'DELETE', `/admin/categories/${category.categoryId}`);
    await call('settings', 'PUT', '/admin/settings', await call('settings', 'GET', '/admin/settings'));
    const webhook = await call('webhooks.create', 'POST', '/admin/webhooks', {
      url: `${stack.urls.channels}/webhooks/crm`,
      eventTypes: ['ticket.created'],
    });
    await call('webhooks.list', 'GET', '/admin/webhooks');
    await call('webhooks.show', 'GET', `/admin/webhooks/${webhook.webhookId}`);
    await call('webhooks.update', 'PATCH', `/admin/webhooks/${webhook.webhookId}`, { description: 'CRM' });
    await call('webhooks.attempts', 'GET', `/admin/webhooks/${webhook.webhookId}/attempts`);
    await call('webhooks.rotateSecret', 'POST', `/admin/webhooks/${webhook.webhookId}/secret`);
    await call('webhooks.disable', 'POST', `/admin/webhooks/${webhook.webhookId}/disable`);
    await call('webhooks.remove', 'DELETE', `/admin/webhooks/${webhook.webhookId}`);
    // The event routes need an event that was delivered; their schemas are checked by the documents' validation.
    expect(new Set(checked).size).toBe(Object.keys(adminReplies).length - 2 + 1);
  });
});

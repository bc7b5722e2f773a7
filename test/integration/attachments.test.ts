// A1, M1, M4, X3 against DynamoDB Local, s3rver behind the local POST-policy front and the fake channel server:
// real presigned POST uploads, sends that accept or refuse them, and downloads through presigned GETs.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeChannels, startFakeChannels } from '../../infra/local/fake-channels';
import { type LocalGateway, startGateway } from '../../infra/local/gateway';
import { freePort } from '../../infra/local/ports';
import { type S3Local, startS3Local } from '../../infra/local/s3-local';
import { type SesLocal, startSesLocal } from '../../infra/local/ses-local';
import { httpRoutes } from '../../infra/routes';
import type { OperatorActor } from '../../shared/domain/actors';
import { resetClients } from '../../shared/platform/aws-clients';
import { headObject } from '../../shared/platform/object-store';
import { actorOf, insertOperator, type Operator } from '../../shared/store/operators';
import { getTicket } from '../../shared/store/tickets';
import { createChannel } from '../../shared/use-cases/admin/channels';
import { createGroup } from '../../shared/use-cases/admin/groups';
import { ingestClientMessage } from '../../shared/use-cases/ingest';
import { runOperatorAction } from '../../shared/use-cases/operator-actions';
import { runTicketCommand } from '../../shared/use-cases/ticket-commands';
import { useTestTable } from '../support/table';
import { HTML, PDF, pngOf, postUpload, type Slot } from '../support/uploads';

const admin: OperatorActor = { kind: 'operator', operatorId: 'op-root', role: 'admin', groupIds: [] };
let storage: S3Local;
let fake: FakeChannels;
let gateway: LocalGateway;
let ses: SesLocal;
let channelId: string;
let telegramId: string;
let whatsappId: string;
let anna: Operator;
let boris: Operator;
let users = 0;

/** A client of the api channel writes; Anna takes the ticket. */
async function annasTicket(onChannel = channelId, externalUserId = `user-${++users}`): Promise<string> {
  const { ticket } = await ingestClientMessage({
    channelId: onChannel,
    externalUserId,
    name: `Client ${users}`,
    clientType: 'crm',
    kind: 'text',
    text: 'Hello',
    receivedAt: new Date(),
  });
  const ticketId = ticket?.ticketId as string;
  await runTicketCommand(actorOf(anna), ticketId, { type: 'take' });
  return ticketId;
}

const act = (operator: Operator, name: string, input: Record<string, unknown>) =>
  runOperatorAction(actorOf(operator), name as never, input, new Date());

async function slotFor(ticketId: string, fileName: string, contentType: string, size: number): Promise<Slot> {
  return (await act(anna, 'upload.create', { ticketId, fileName, contentType, size })) as Slot;
}

async function uploaded(ticketId: string, bytes: Buffer, fileName: string, contentType: string): Promise<Slot> {
  const slot = await slotFor(ticketId, fileName, contentType, bytes.length);
  const answer = await postUpload(slot, bytes, fileName, contentType);
  expect(answer.status, await answer.clone().text()).toBe(204);
  return slot;
}

beforeAll(async () => {
  await useTestTable();
  gateway = await startGateway({
    httpRoutes: httpRoutes.filter((route) => route.path === '/files/{token}'),
    webSocketRoutes: [],
    log: () => undefined,
  });
  ses = await startSesLocal({ port: await freePort() });
  fake = await startFakeChannels({ port: 0 });
  const bucketName = `uploads-${Date.now()}`;
  storage = await startS3Local({ port: await freePort(), bucketName });
  Object.assign(process.env, fake.env(), {
    WS_MANAGEMENT_ENDPOINT: gateway.managementEndpoint,
    S3_ENDPOINT: storage.endpoint,
    BUCKET_NAME: bucketName,
    SES_ENDPOINT: ses.endpoint,
    SES_FROM: 'support@switchboard.test',
    PUBLIC_HTTP_URL: gateway.httpUrl,
  });
  resetClients();
  const group = (await createGroup(admin, { name: 'First line', strategy: 'manual' })).groupId;
  const operator = (name: string) =>
    insertOperator({
      name,
      email: `${name}@example.com`,
      role: 'operator',
      groupIds: [group],
      capacity: 10,
      enabled: true,
    });
  anna = await operator('anna');
  boris = await operator('boris');
  channelId = (
    await createChannel(admin, {
      kind: 'api',
      name: 'CRM',
      defaultGroupId: group,
      enabled: true,
      settings: { callbackUrl: `${fake.url}/api-callback/crm` },
      overrides: {},
    })
  ).channelId;
  const base = { defaultGroupId: group, enabled: true, overrides: {} };
  telegramId = (
    await createChannel(admin, {
      ...base,
      kind: 'telegram',
      name: 'Bot',
      settings: { botToken: '123456:files-bot-token-abcdefghij' },
    } as never)
  ).channelId;
  whatsappId = (
    await createChannel(admin, {
      ...base,
      kind: 'whatsapp',
      name: 'WhatsApp',
      settings: { phoneNumberId: '1065', accessToken: 'token', appSecret: 'secret', verifyToken: 'verify' },
    } as never)
  ).channelId;
});

beforeEach(() => fake.reset());

afterAll(async () => {
  await ses?.stop();
  await storage?.stop();
  await fake?.stop();
  await gateway?.close();
});

describe('A1 uploads through a presigned POST', () => {
  it('A1 M2: upload then send → the message carries the attachment, whose download URL returns the same bytes', async () => {
    const ticketId = await annasTicket();
    const png = pngOf(3, 2);
    const slot = await uploaded(ticketId, png, 'Screen shot ‮gnp.exe', 'image/png');
    const sent = (await act(anna, 'message.send', { ticketId, text: 'Here it is', attachments: [slot.key] })) as {
      messageId: string;
      kind: string;
      attachments: Array<{ key: string; name: string; mimeType: string; size: number }>;
    };
    expect(sent.kind).toBe('image');
    // The bidi override that would show the name reversed is gone; the rest of the name is kept for display.
    expect(sent.attachments).toEqual([
      expect.objectContaining({
        name: 'Screen shot gnp.exe',
        mimeType: 'image/png',
        size: png.length,
        width: 3,
        height: 2,
      }),
    ]);
    // Moved out of the uploader's reach: the upload key is gone, the stored copy lives under the client.
    expect(sent.attachments[0]?.key.startsWith('attachments/')).toBe(true);
    expect(await headObject(slot.key)).toBeUndefined();

    const history = (await act(anna, 'history', { ticketId })) as {
      items: Array<{ messageId: string; attachments?: Array<{ url: string }> }>;
    };
    const url = history.items.find((m) => m.messageId === sent.messageId)?.attachments?.[0]?.url as string;
    const download = await fetch(url);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(png)).toBe(true);
    expect(download.headers.get('content-disposition')).toContain("filename*=UTF-8''Screen%20shot%20gnp.exe");
    // The api channel's callback got the file as a download link (CH3).
    const [callback] = await fake.waitForCalls('/api-callback/crm');
    expect(callback?.body).toMatchObject({ attachments: [expect.objectContaining({ name: 'Screen shot gnp.exe' })] });
  });

  it('A1 X3: PNG declared but HTML uploaded → refused with type_mismatch, the upload deleted, nothing stored', async () => {
    const ticketId = await annasTicket();
    const slot = await uploaded(ticketId, HTML, 'picture.png', 'image/png');
    const before = await getTicket(ticketId);
    await expect(act(anna, 'message.send', { ticketId, text: 'see', attachments: [slot.key] })).rejects.toMatchObject({
      code: 'invalid',
      details: { reason: 'type_mismatch', declared: 'image/png', detected: 'text/plain' },
    });
    expect(await headObject(slot.key)).toBeUndefined();
    expect((await getTicket(ticketId)).seq).toBe(before.seq);
  });

  it('M4 A1: 20 MB + 1 byte is refused by the upload policy itself; a slot for more than 20 MB is not given', async () => {
    const ticketId = await annasTicket();
    const limit = 20 * 1024 * 1024;
    const slot = await slotFor(ticketId, 'big.pdf', 'application/pdf', limit);
    const big = Buffer.concat([PDF, Buffer.alloc(limit + 1 - PDF.length, 0x20)]);
    const answer = await postUpload(slot, big, 'big.pdf', 'application/pdf');
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain('<Code>EntityTooLarge</Code>');
    expect(await headObject(slot.key)).toBeUndefined();
    await expect(slotFor(ticketId, 'big.pdf', 'application/pdf', limit + 1)).rejects.toMatchObject({
      code: 'payload_too_large',
      details: { reason: 'attachments_too_large' },
    });
  });

  it("X3 A1: another ticket's key is refused and left in place; so is another operator's", async () => {
    const first = await annasTicket();
    const second = await annasTicket();
    const slot = await uploaded(first, PDF, 'invoice.pdf', 'application/pdf');
    await expect(act(anna, 'message.send', { ticketId: second, attachments: [slot.key] })).rejects.toMatchObject({
      code: 'forbidden',
      details: { reason: 'not_your_upload' },
    });
    expect(await headObject(slot.key)).toMatchObject({ size: PDF.length });
    // Boris may not even ask: the ticket is Anna's (X1 first).
    await expect(act(boris, 'message.send', { ticketId: first, attachments: [slot.key] })).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect(await headObject(slot.key)).toMatchObject({ size: PDF.length });
  });

  it('X3 M1 M4: unknown type, a bad name, too many files, a file never uploaded — each its own code, nothing stored', async () => {
    const ticketId = await annasTicket();
    const before = await getTicket(ticketId);
    await expect(slotFor(ticketId, 'setup.exe', 'application/x-msdownload', 10)).rejects.toMatchObject({
      code: 'invalid',
      details: { reason: 'unsupported_type' },
    });
    await expect(slotFor(ticketId, '\u0007\u202e', 'application/pdf', 10)).rejects.toMatchObject({
      details: { reason: 'bad_file_name' },
    });
    const slot = await slotFor(ticketId, 'later.pdf', 'application/pdf', PDF.length);
    const keys = Array.from({ length: 11 }, () => slot.key.replace(/[0-9a-f-]{36}/, crypto.randomUUID()));
    await expect(act(anna, 'message.send', { ticketId, attachments: keys })).rejects.toMatchObject({
      details: { reason: 'too_many_attachments' },
    });
    await expect(act(anna, 'message.send', { ticketId, attachments: [slot.key] })).rejects.toMatchObject({
      code: 'not_found',
      details: { reason: 'upload_missing' },
    });
    expect((await getTicket(ticketId)).seq).toBe(before.seq);
  });

  it('X3 A1: a slot used after it expired is refused by the policy; a tampered field breaks the policy too', async () => {
    const ticketId = await annasTicket();
    const stale = (await runOperatorAction(
      actorOf(anna),
      'upload.create',
      { ticketId, fileName: 'a.pdf', contentType: 'application/pdf', size: PDF.length },
      new Date(Date.now() - 10 * 60_000),
    )) as Slot;
    const expired = await postUpload(stale, PDF, 'a.pdf');
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Policy expired');
    const slot = await slotFor(ticketId, 'a.pdf', 'application/pdf', PDF.length);
    const elsewhere = await postUpload({ ...slot, fields: { ...slot.fields, key: `${slot.key}.html` } }, PDF, 'a.pdf');
    expect(elsewhere.status).toBe(403);
    expect(await elsewhere.text()).toContain('Policy Condition failed');
    const retyped = await postUpload({ ...slot, fields: { ...slot.fields, 'Content-Type': 'text/html' } }, PDF, 'a');
    expect(retyped.status).toBe(403);
  });
});

describe('CH3 M3 outbound media', () => {
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  async function sendPdfAndImage(ticketId: string, text: string) {
    const pdf = await uploaded(ticketId, PDF, 'Invoice №7.pdf', 'application/pdf');
    const png = pngOf(4, 4);
    const image = await uploaded(ticketId, png, 'photo.png', 'image/png');
    const sent = (await act(anna, 'message.send', { ticketId, text, attachments: [pdf.key, image.key] })) as {
      messageId: string;
      status: string;
    };
    return { sent, png };
  }

  it('CH3 M3: a PDF and an image reach Telegram as sendDocument (with the caption) and sendPhoto, uploaded; one status', async () => {
    const ticketId = await annasTicket(telegramId, '555001');
    const { sent, png } = await sendPdfAndImage(ticketId, 'Your invoice and the photo');
    expect(sent.status).toBe('sent');
    const calls = fake.calls('/bot123456:files-bot-token-abcdefghij/send');
    expect(calls.map((call) => call.path.split('/').pop())).toEqual(['sendDocument', 'sendPhoto']);
    expect(calls[0]?.body).toMatchObject({
      chat_id: '555001',
      caption: 'Your invoice and the photo',
      document: { fileName: 'Invoice №7.pdf', mimeType: 'application/pdf', size: PDF.length, sha256: sha256(PDF) },
    });
    expect(calls[1]?.body).toMatchObject({ photo: { mimeType: 'image/png', sha256: sha256(png) } });
    expect(calls[1]?.body).not.toHaveProperty('caption');
  });

  it('CH3: a text longer than a caption (1024) goes first as its own message, then the files without a caption', async () => {
    const ticketId = await annasTicket(telegramId, '555002');
    const long = 'x'.repeat(1500);
    await sendPdfAndImage(ticketId, long);
    const calls = fake.calls('/bot123456:files-bot-token-abcdefghij/send');
    expect(calls.map((call) => call.path.split('/').pop())).toEqual(['sendMessage', 'sendDocument', 'sendPhoto']);
    expect(calls[0]?.body).toMatchObject({ text: long });
    expect(calls.slice(1).every((call) => (call.body as Record<string, unknown>).caption === undefined)).toBe(true);
  });

  it('CH3 M3: a PDF and an image reach WhatsApp as document and image messages linking to the files', async () => {
    const ticketId = await annasTicket(whatsappId, '4917600001');
    const { sent, png } = await sendPdfAndImage(ticketId, 'Your invoice');
    expect(sent.status).toBe('sent');
    const calls = fake.calls('/v21.0/1065/messages');
    expect(calls.map((call) => (call.body as { type: string }).type)).toEqual(['document', 'image']);
    const [document, image] = calls.map((call) => call.body as Record<string, Record<string, string>>);
    expect(document?.document).toMatchObject({ caption: 'Your invoice', filename: 'Invoice №7.pdf' });
    expect(image?.image?.caption).toBeUndefined();
    // The links WhatsApp would fetch serve the very bytes.
    const fetched = await fetch(image?.image?.link as string);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(png)).toBe(true);
    const pdf = await fetch(document?.document?.link as string);
    expect(Buffer.from(await pdf.arrayBuffer()).equals(PDF)).toBe(true);
  });

  it('M3: a reply sent as several messages fails with the reason of the part that failed', async () => {
    const ticketId = await annasTicket(telegramId, '555003');
    fake.failNext('/bot123456:files-bot-token-abcdefghij/sendPhoto', 400, 1, {
      body: { ok: false, error_code: 400, description: 'Bad Request: IMAGE_PROCESS_FAILED' },
    });
    const { sent } = await sendPdfAndImage(ticketId, 'both');
    expect(sent.status).toBe('failed');
    const history = (await act(anna, 'history', { ticketId })) as { items: Array<Record<string, unknown>> };
    expect(history.items.find((m) => m.messageId === sent.messageId)).toMatchObject({
      status: 'failed',
      failureReason: 'Telegram: Bad Request: IMAGE_PROCESS_FAILED',
    });
  });
});

describe('M9 transcript by e-mail', () => {
  interface StoredEmail {
    subject: string;
    body: { html: string; text: string };
    destination: { to: string[] };
    from: string;
  }
  const mailbox = async () =>
    ((await (await fetch(`${ses.endpoint}/store`)).json()) as { emails: StoredEmail[] }).emails;

  it('M9 X3: selected messages arrive in the mailbox with the subject, HTML and text parts, no system notes, names escaped', async () => {
    const { ticket } = await ingestClientMessage({
      channelId,
      externalUserId: 'script-kid',
      name: '<script>alert(1)</script> Eve',
      clientType: 'crm',
      kind: 'text',
      text: 'My card <b>is</b> blocked & I need help',
      receivedAt: new Date(),
    });
    const ticketId = ticket?.ticketId as string;
    await runTicketCommand(actorOf(anna), ticketId, { type: 'take' });
    const slot = await uploaded(ticketId, PDF, 'statement "May".pdf', 'application/pdf');
    const reply = (await act(anna, 'message.send', {
      ticketId,
      text: 'Here is your statement',
      attachments: [slot.key],
    })) as {
      messageId: string;
    };
    await act(anna, 'message.send', { ticketId, text: 'Not in the transcript' });
    const history = (await act(anna, 'history', { ticketId })) as { items: Array<{ messageId: string; kind: string }> };
    const clientMessage = history.items.find((m) => m.kind === 'text' && m.messageId !== reply.messageId)?.messageId;
    const systemNote = history.items.find((m) => m.kind === 'system')?.messageId as string;
    const chosen = history.items.filter((m) => m.kind !== 'system').map((m) => m.messageId);
    const selected = [chosen[chosen.length - 1] as string, reply.messageId, systemNote];
    expect(clientMessage).toBeDefined();

    const result = await act(anna, 'ticket.transcript', {
      ticketId,
      to: 'customer@example.com',
      subject: 'Your conversation with Support',
      messageIds: selected,
    });
    expect(result).toMatchObject({ sent: true, messages: 2 });
    const stored = (await mailbox()).find((e) => e.subject === 'Your conversation with Support') as StoredEmail;
    const email = { ...stored, ...stored.body };
    expect(email.destination.to).toEqual(['customer@example.com']);
    expect(email.from).toBe('support@switchboard.test');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Eve');
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('My card &lt;b&gt;is&lt;/b&gt; blocked &amp; I need help');
    expect(email.html).toContain('statement &quot;May&quot;.pdf');
    expect(email.text).toContain('<script>alert(1)</script> Eve');
    expect(email.text).toContain('Here is your statement');
    // No system notes (the take), and nothing that was not selected.
    expect(email.text).not.toContain('took');
    expect(email.text).not.toContain('Not in the transcript');
    expect(email.html).not.toContain('Not in the transcript');

    // The file link works without any AWS credentials in it: it redirects to a fresh presigned URL.
    const link = /\[file\] statement "May"\.pdf: (\S+)/.exec(email.text)?.[1] as string;
    expect(link.startsWith(`${gateway.httpUrl}/files/`)).toBe(true);
    const redirect = await fetch(link, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const file = await fetch(redirect.headers.get('location') as string);
    expect(Buffer.from(await file.arrayBuffer()).equals(PDF)).toBe(true);
    const forged = await fetch(`${link.slice(0, -3)}abc`, { redirect: 'manual' });
    expect(forged.status).toBe(404);

    // The send is a timeline note.
    const after = (await act(anna, 'history', { ticketId, limit: 1 })) as { items: Array<Record<string, unknown>> };
    expect(after.items[0]).toMatchObject({ kind: 'system', note: { code: 'transcript_sent' } });
  });

  it('X3 M9: an address that is not an e-mail, or a subject with a line break, is refused and nothing is sent', async () => {
    const ticketId = await annasTicket();
    const before = (await mailbox()).length;
    const seqBefore = (await getTicket(ticketId)).seq;
    await expect(
      act(anna, 'ticket.transcript', { ticketId, to: 'not-an-address', subject: 'Hello' }),
    ).rejects.toMatchObject({ code: 'invalid', message: expect.stringContaining('to: must be an e-mail address') });
    await expect(
      act(anna, 'ticket.transcript', { ticketId, to: 'a@example.com', subject: 'Hi\r\nBcc: x@evil.test' }),
    ).rejects.toMatchObject({ code: 'invalid' });
    await expect(
      act(boris, 'ticket.transcript', { ticketId, to: 'a@example.com', subject: 'x' }),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect((await mailbox()).length).toBe(before);
    expect((await getTicket(ticketId)).seq).toBe(seqBefore);
  });
});

// The fake channel server from outside its process (CH3, A1): what was sent is read over HTTP with GET /__calls, and
// media registered with PUT /__media is what Telegram and WhatsApp downloads then serve.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeChannels, startFakeChannels } from '../../infra/local/fake-channels';

let fake: FakeChannels;
const BOT = '/bot123:token';

beforeAll(async () => {
  fake = await startFakeChannels({ port: 0 });
});

afterAll(async () => {
  await fake.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: answers are asserted field by field
const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });

describe('fake channel server over HTTP', () => {
  it('CH3: GET /__calls?since= lists the calls after a call number, bodies included, and never its own reads', async () => {
    const start = await json(await fetch(`${fake.url}/__calls`));
    const since = start.body.lastSeq as number;
    await fetch(`${fake.url}${BOT}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: 42, text: 'Hello from support' }),
    });
    await fetch(`${fake.url}/api-callback/crm`, { method: 'POST', body: Buffer.from([0xff, 0x00, 0x01]) });

    const after = await json(await fetch(`${fake.url}/__calls?since=${since}`));
    expect(after.status).toBe(200);
    expect(after.body.lastSeq).toBe(since + 2);
    expect(after.body.calls).toMatchObject([
      { seq: since + 1, method: 'POST', path: `${BOT}/sendMessage`, body: { chat_id: 42, text: 'Hello from support' } },
      { seq: since + 2, path: '/api-callback/crm', body: null, rawBodyBase64: '/wAB', status: 200 },
    ]);
    const onlyTelegram = await json(await fetch(`${fake.url}/__calls?since=${since}&path=/bot`));
    expect(onlyTelegram.body.calls.map((call: { path: string }) => call.path)).toEqual([`${BOT}/sendMessage`]);
    const nothingNew = await json(await fetch(`${fake.url}/__calls?since=${since + 2}`));
    expect(nothingNew.body).toEqual({ calls: [], lastSeq: since + 2 });
    expect(await json(await fetch(`${fake.url}/__calls?since=yesterday`))).toMatchObject({ status: 400 });
  });

  it('A1: PUT /__media registers bytes that getFile + file download, the WhatsApp media lookup and /media serve', async () => {
    const bytes = Buffer.from('%PDF-1.4\n%%EOF\n');
    const put = await json(
      await fetch(`${fake.url}/__media/doc-1?fileName=statement.pdf`, {
        method: 'PUT',
        headers: { 'content-type': 'application/pdf' },
        body: bytes,
      }),
    );
    expect(put).toEqual({
      status: 201,
      body: {
        id: 'doc-1',
        mimeType: 'application/pdf',
        size: bytes.length,
        fileName: 'statement.pdf',
        url: `${fake.url}/media/doc-1`,
      },
    });

    const getFile = await json(
      await fetch(`${fake.url}${BOT}/getFile`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ file_id: 'doc-1' }),
      }),
    );
    expect(getFile.body.result.file_size).toBe(bytes.length);
    const telegramDownload = await fetch(`${fake.url}/file${BOT}/${getFile.body.result.file_path}`);
    expect(Buffer.from(await telegramDownload.arrayBuffer()).equals(bytes)).toBe(true);

    const lookup = await json(await fetch(`${fake.whatsappApiBase}/doc-1`));
    expect(lookup.body).toMatchObject({ mime_type: 'application/pdf', file_size: bytes.length });
    const whatsappDownload = await fetch(lookup.body.url);
    expect(whatsappDownload.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await whatsappDownload.arrayBuffer()).equals(bytes)).toBe(true);
    expect(Buffer.from(await (await fetch(put.body.url)).arrayBuffer()).equals(bytes)).toBe(true);

    expect(await json(await fetch(`${fake.url}/__media/empty`, { method: 'PUT' }))).toMatchObject({ status: 400 });
  });
});

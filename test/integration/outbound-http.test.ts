// CH3/A1 outbound HTTP against the fake channel server: retries with backoff on 429 (Retry-After honoured, capped),
// 5xx and network errors; no retry on other 4xx; downloads typed, bounded and restricted to https.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeChannels, startFakeChannels } from '../../infra/local/fake-channels';
import { freePort } from '../../infra/local/ports';
import {
  DownloadFailed,
  failureReason,
  getBytes,
  type HttpAnswer,
  postForm,
  postJson,
  RETRY_POLICY,
  ResponseTooLarge,
} from '../../shared/channels/outbound-http';
import { ALLOW_LOOPBACK_OUTBOUND_ENV, OutboundUrlRefused } from '../../shared/channels/outbound-url';

let fake: FakeChannels;

beforeAll(async () => {
  fake = await startFakeChannels({ port: 0 });
  Object.assign(process.env, fake.env());
});

beforeEach(() => fake.reset());

afterAll(async () => {
  await fake.stop();
});

describe('CH3 postJson', () => {
  it('CH3: posts JSON and answers status, ok, parsed body and text', async () => {
    const answer = await postJson(`${fake.url}/api-callback/a`, { hello: 'мир' }, { headers: { 'x-extra': '1' } });
    expect(answer).toEqual({ status: 200, ok: true, body: { ok: true }, text: '{"ok":true}' });
    const [call] = fake.calls('/api-callback/a');
    expect(call?.headers).toMatchObject({ 'content-type': 'application/json', 'x-extra': '1' });
    expect(call?.body).toEqual({ hello: 'мир' });
  });

  it('CH3: a Buffer body is sent byte for byte (signatures cover the exact bytes)', async () => {
    const raw = Buffer.from('{"b":1,  "a":"👋"}', 'utf8');
    await postJson(`${fake.url}/api-callback/raw`, raw);
    expect(fake.calls('/api-callback/raw')[0]?.rawBody.equals(raw)).toBe(true);
  });

  it('CH3: 503 twice then 200 is retried to success with growing waits', async () => {
    fake.failNext('/api-callback/b', 503, 2);
    const answer = await postJson(`${fake.url}/api-callback/b`, {});
    expect(answer.ok).toBe(true);
    const at = fake.calls('/api-callback/b').map((c) => c.at.getTime());
    expect(at).toHaveLength(3);
    expect((at[1] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(RETRY_POLICY.baseDelayMs / 2 - 10);
    expect((at[2] ?? 0) - (at[1] ?? 0)).toBeGreaterThanOrEqual(RETRY_POLICY.baseDelayMs - 10);
  });

  it('CH3: a Retry-After longer than the cap is waited only up to the cap', async () => {
    fake.failNext('/api-callback/c', 429, 1, { retryAfterSeconds: 30 });
    const started = Date.now();
    expect((await postJson(`${fake.url}/api-callback/c`, {})).ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(RETRY_POLICY.maxDelayMs + 1_000);
  });

  it('CH3: 429 and 5xx that outlast the retries are answered, not thrown; `attempts` bounds the tries', async () => {
    fake.failNext('/api-callback/d', 502, 10);
    const answer = await postJson(`${fake.url}/api-callback/d`, {}, { attempts: 2 });
    expect(answer).toMatchObject({ status: 502, ok: false });
    expect(fake.calls('/api-callback/d')).toHaveLength(2);
  });

  it('CH3: other 4xx are not retried', async () => {
    fake.failNext('/api-callback/e', 403, 1, { body: { error: 'Forbidden for this key' } });
    const answer = await postJson(`${fake.url}/api-callback/e`, {});
    expect(answer.status).toBe(403);
    expect(failureReason(answer)).toBe('403: Forbidden for this key');
    expect(fake.calls('/api-callback/e')).toHaveLength(1);
  });

  it('CH3: an unreachable channel throws once the retries are spent', async () => {
    const closed = await freePort();
    await expect(postJson(`http://127.0.0.1:${closed}/x`, {}, { attempts: 2 })).rejects.toThrow(/could not be reached/);
  });

  it('CH3: failureReason reads Telegram, Graph API and plain error shapes', () => {
    const answer = (status: number, body: unknown, text = JSON.stringify(body)): HttpAnswer => ({
      status,
      ok: false,
      body,
      text,
    });
    expect(failureReason(answer(400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' }))).toBe(
      '400: Bad Request: chat not found',
    );
    expect(
      failureReason(answer(400, { error: { message: '(#131030) Recipient not in allowed list', code: 131030 } })),
    ).toBe('400: (#131030) Recipient not in allowed list');
    expect(failureReason(answer(422, { message: 'unknown user' }))).toBe('422: unknown user');
    expect(failureReason(answer(500, undefined, '<html>  Bad   gateway </html>'))).toBe(
      '500: <html> Bad gateway </html>',
    );
    expect(failureReason(answer(404, undefined, ''))).toBe('404: no error text');
  });
});

describe('A1 getBytes', () => {
  it('A1: downloads bytes with their content type, retrying a 500', async () => {
    fake.addMedia('doc', Buffer.from('%PDF-1.7 tiny'), 'application/pdf');
    fake.failNext('/media/doc', 500, 1);
    const download = await getBytes(fake.mediaUrl('doc'));
    expect(download).toEqual({ bytes: Buffer.from('%PDF-1.7 tiny'), contentType: 'application/pdf' });
  });

  it('A1: a missing file throws DownloadFailed with its status; a too large one ResponseTooLarge', async () => {
    await expect(getBytes(fake.mediaUrl('nope'))).rejects.toBeInstanceOf(DownloadFailed);
    fake.addMedia('big', Buffer.alloc(2048), 'application/octet-stream');
    await expect(getBytes(fake.mediaUrl('big'), { maxBytes: 1024 })).rejects.toBeInstanceOf(ResponseTooLarge);
  });

  it('A1: only https, or plain http to a configured channel API origin, is fetched', async () => {
    await expect(getBytes('http://169.254.169.254/latest/meta-data/')).rejects.toThrow(/https/);
    await expect(getBytes('file:///etc/passwd')).rejects.toThrow(/https/);
    await expect(getBytes('not a url')).rejects.toThrow(/valid URL/);
  });
});

describe('X3 every outbound request goes through the outbound-URL guard', () => {
  it('X3: without the local allowance, posts and downloads to the fake server on 127.0.0.1 send nothing', async () => {
    const allowance = process.env[ALLOW_LOOPBACK_OUTBOUND_ENV];
    delete process.env[ALLOW_LOOPBACK_OUTBOUND_ENV];
    try {
      await expect(postJson(`${fake.url}/api-callback/guard`, {})).rejects.toBeInstanceOf(OutboundUrlRefused);
      await expect(postForm(`${fake.url}/api-callback/guard`, new FormData())).rejects.toBeInstanceOf(
        OutboundUrlRefused,
      );
      await expect(getBytes(`${fake.telegramApiBase}/file/x`)).rejects.toBeInstanceOf(OutboundUrlRefused);
      expect(fake.calls()).toHaveLength(0);
    } finally {
      process.env[ALLOW_LOOPBACK_OUTBOUND_ENV] = allowance;
    }
  });

  it('X3: a name resolving to the metadata address is refused before any connection, even with the local allowance', async () => {
    const resolve = async () => ['169.254.169.254'];
    await expect(postJson('https://metadata.example.com/latest', {}, { resolve })).rejects.toThrow(
      'outbound URL refused: metadata.example.com resolves to a link-local address (169.254.169.254)',
    );
  });
});

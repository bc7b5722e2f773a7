// CH1: the `api` channel's HMAC-SHA256 signature over "<timestamp>.<raw body>" — exact format, 5-minute window,
// constant-time compare. Every refusal is `unauthorized`, which the webhook maps to 401 before anything is stored.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  API_SIGNATURE_HEADER,
  API_TIMESTAMP_HEADER,
  apiDriver,
  apiSignatureHeaders,
  signApiPayload,
  verifyApiSignature,
} from '../../shared/channels/api';
import type { WebhookRequest } from '../../shared/channels/driver';
import { DomainError } from '../../shared/domain/errors';
import type { Channel } from '../../shared/store/channels';

const SECRET = 'a3f1c0de'.repeat(8);
const NOW = new Date('2026-05-01T10:00:00Z');
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);
// Emoji and odd spacing: the signature is over these exact bytes, not a re-serialization.
const BODY = Buffer.from('{"type":"message","messageId":"m-1","user":{"id":"u-1"},  "text":"Привет 👋"}', 'utf8');

const hex = (secret: string, timestamp: number | string, body: Buffer) =>
  createHmac('sha256', secret)
    .update(Buffer.concat([Buffer.from(`${timestamp}.`), body]))
    .digest('hex');

function verify(headers: Record<string, string | undefined>, body = BODY, at = NOW) {
  return () => verifyApiSignature(SECRET, headers, body, at);
}

function expectRefused(check: () => void) {
  let thrown: unknown;
  try {
    check();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(DomainError);
  expect((thrown as DomainError).code).toBe('unauthorized');
}

const signed = (timestamp = NOW_SECONDS, signature = `sha256=${hex(SECRET, timestamp, BODY)}`) => ({
  [API_TIMESTAMP_HEADER]: String(timestamp),
  [API_SIGNATURE_HEADER]: signature,
});

describe('CH1 api channel: HMAC-SHA256 request signatures', () => {
  it('CH1: a request signed with the channel secret over "<timestamp>.<raw body>" is accepted', () => {
    expect(verify(signed())).not.toThrow();
    expect(signApiPayload(SECRET, NOW_SECONDS, BODY)).toBe(`sha256=${hex(SECRET, NOW_SECONDS, BODY)}`);
    expect(apiSignatureHeaders(SECRET, BODY, NOW)).toEqual(signed());
  });

  it('CH1: timestamps up to 5 minutes old or ahead are accepted (clock skew)', () => {
    expect(verify(signed(NOW_SECONDS - 299))).not.toThrow();
    expect(verify(signed(NOW_SECONDS + 299))).not.toThrow();
  });

  it('CH1: a missing timestamp or signature header is refused', () => {
    expectRefused(verify({ [API_SIGNATURE_HEADER]: signed()[API_SIGNATURE_HEADER] }));
    expectRefused(verify({ [API_TIMESTAMP_HEADER]: String(NOW_SECONDS) }));
    expectRefused(verify({}));
  });

  it('CH1: a signature made with another secret is refused', () => {
    expectRefused(verify(signed(NOW_SECONDS, `sha256=${hex('not-the-secret', NOW_SECONDS, BODY)}`)));
  });

  it('CH1: a replayed request older than 5 minutes is refused, though its signature is valid', () => {
    expectRefused(verify(signed(NOW_SECONDS - 301)));
    expectRefused(verify(signed(NOW_SECONDS - 3600)));
  });

  it('CH1: a timestamp more than 5 minutes in the future is refused', () => {
    expectRefused(verify(signed(NOW_SECONDS + 301)));
  });

  it('CH1: a whitespace-padded signature is refused (exact format only)', () => {
    const good = signed()[API_SIGNATURE_HEADER];
    for (const padded of [` ${good}`, `${good} `, `${good}\n`, `sha256= ${good.slice(7)}`, `\t${good}`]) {
      expectRefused(verify({ ...signed(), [API_SIGNATURE_HEADER]: padded }));
    }
  });

  it('CH1: an uppercase-hex signature is refused (lowercase hex only)', () => {
    const upper = `sha256=${hex(SECRET, NOW_SECONDS, BODY).toUpperCase()}`;
    expectRefused(verify({ ...signed(), [API_SIGNATURE_HEADER]: upper }));
    expectRefused(
      verify({ ...signed(), [API_SIGNATURE_HEADER]: signed()[API_SIGNATURE_HEADER].replace('sha256', 'SHA256') }),
    );
  });

  it('CH1: a sha1= signature, a bare digest and a truncated digest are refused', () => {
    const digest = hex(SECRET, NOW_SECONDS, BODY);
    const sha1 = createHmac('sha1', SECRET).update(`${NOW_SECONDS}.${BODY.toString()}`).digest('hex');
    expectRefused(verify({ ...signed(), [API_SIGNATURE_HEADER]: `sha1=${sha1}` }));
    expectRefused(verify({ ...signed(), [API_SIGNATURE_HEADER]: digest }));
    expectRefused(verify({ ...signed(), [API_SIGNATURE_HEADER]: `sha256=${digest.slice(0, 63)}` }));
    expectRefused(verify({ ...signed(), [API_SIGNATURE_HEADER]: `sha256=${digest.slice(0, 32)}` }));
    expectRefused(verify({ ...signed(), [API_SIGNATURE_HEADER]: `sha256=${digest}00` }));
  });

  it('CH1: a changed body, or the signature moved to another timestamp, is refused', () => {
    const changed = Buffer.from(BODY.toString('utf8').replace('👋', '👋 '), 'utf8');
    expectRefused(verify(signed(), changed));
    expectRefused(verify({ ...signed(), [API_TIMESTAMP_HEADER]: String(NOW_SECONDS - 1) }));
  });

  it('CH1: a timestamp that is not plain unix seconds is refused', () => {
    for (const timestamp of [`${NOW_SECONDS}.0`, ` ${NOW_SECONDS}`, `+${NOW_SECONDS}`, '1e9', '']) {
      const signature = `sha256=${hex(SECRET, timestamp, BODY)}`;
      expectRefused(verify({ [API_TIMESTAMP_HEADER]: timestamp, [API_SIGNATURE_HEADER]: signature }));
    }
  });

  it('CH1: the api driver verifies with the channel webhook secret', () => {
    const channel = { kind: 'api', webhookSecret: SECRET, channelId: 'ch_1' } as Channel;
    const request: WebhookRequest = {
      method: 'POST',
      headers: signed(),
      query: {},
      rawBody: BODY,
      receivedAt: NOW,
      sourceIp: '203.0.113.9',
    };
    expect(() => apiDriver.webhook?.verify(request, channel)).not.toThrow();
    expectRefused(() => apiDriver.webhook?.verify(request, { ...channel, webhookSecret: 'rotated' }));
  });
});

// Constant-time checks of webhook secrets and HMAC signatures, so a caller cannot learn a secret byte by byte from
// how long a refusal takes.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Compares digests of both sides, so neither the content nor the length of the secret leaks through timing. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined || expected.length === 0) return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** HMAC-SHA256 of the exact bytes received: re-serializing JSON would change escapes, spacing and emoji. */
export function hmacSha256(secret: string, rawBody: Buffer): Buffer {
  return createHmac('sha256', secret).update(rawBody).digest();
}

/** `givenHex` must already be validated as the lowercase hex of a digest (the header format is checked first). */
export function sameDigest(expected: Buffer, givenHex: string): boolean {
  const given = Buffer.from(givenHex, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The headers a timestamped signature travels in (the `api` channel both ways, outgoing webhooks). */
export const SIGNATURE_HEADERS = {
  timestamp: 'x-switchboard-timestamp',
  signature: 'x-switchboard-signature',
} as const;

/**
 * The `api` channel's signature, also on outgoing webhooks: `sha256=` + the lowercase hex HMAC-SHA256 of
 * "<timestamp>.<raw body>" under `secret`.
 */
export function signTimestamped(secret: string, timestamp: number | string, rawBody: Buffer | string): string {
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  return `sha256=${hmacSha256(secret, Buffer.concat([Buffer.from(`${timestamp}.`, 'utf8'), body])).toString('hex')}`;
}

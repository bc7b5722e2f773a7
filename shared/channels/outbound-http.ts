// Outbound HTTP to channel APIs (CH3, A1): JSON posts and media downloads with a per-attempt timeout and retries with
// exponential backoff and jitter on 429 (Retry-After honoured, capped), 5xx and network errors, bounded in total so a
// request-serving Lambda (10 s) never times out waiting on a channel. Every channel driver goes through here, and
// every URL is checked by the outbound-URL guard (shared/channels/outbound-url.ts) before it is sent to.
import { readConfig } from '../platform/config';
import { assertSendableUrl, type HostResolver } from './outbound-url';

export interface RequestOptions {
  headers?: Record<string, string>;
  /** Aborts every attempt and the waits between them; an abort is never retried. */
  signal?: AbortSignal;
  /** At most this many tries (default 4). */
  attempts?: number;
  /** Per attempt and in all, for requests that carry files (defaults: RETRY_POLICY). */
  attemptTimeoutMs?: number;
  totalBudgetMs?: number;
  /** How the send-time check resolves host names (default: node:dns lookup, every address). */
  resolve?: HostResolver;
}

export interface HttpAnswer {
  status: number;
  ok: boolean;
  /** The parsed JSON body; undefined when the body is empty or not JSON. */
  body: unknown;
  text: string;
  /** The Retry-After header, as sent. */
  retryAfter?: string;
}

export interface Download {
  bytes: Buffer;
  contentType?: string;
}

export const RETRY_POLICY = {
  attempts: 4,
  /** One slow attempt must leave room for another. */
  attemptTimeoutMs: 2_500,
  /** Everything, waits included: well inside a request function's 10 s. */
  totalBudgetMs: 6_000,
  baseDelayMs: 250,
  maxDelayMs: 2_000,
} as const;

/** M4: nothing larger is accepted as an attachment, so nothing larger is downloaded. */
export const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;

/** A download that would exceed its limit: stopped before it was read whole. */
export class ResponseTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`larger than ${Math.round(limit / (1024 * 1024))} MB`);
    this.name = 'ResponseTooLarge';
  }
}

/** A download that ended in an error status after the retries. The URL is left out: channel URLs carry tokens. */
export class DownloadFailed extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(`download failed: HTTP ${status}${detail ? ` (${detail})` : ''}`);
    this.name = 'DownloadFailed';
  }
}

/**
 * POSTs JSON. A Buffer body is sent as is (already-serialized JSON whose exact bytes a signature covers); anything
 * else is JSON.stringify'd. 429/5xx are retried and, once retries are exhausted, returned like any other answer;
 * only network errors and timeouts that outlast the retries throw. Redirects are not followed (a 3xx is an answer).
 * A URL the outbound-URL guard refuses (by its form or its DNS answers) throws OutboundUrlRefused, sending nothing.
 */
export async function postJson(url: string, body: unknown, options: RequestOptions = {}): Promise<HttpAnswer> {
  await assertSendableUrl(url, guardOptions(options));
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body), 'utf8');
  const response = await withRetries(options, (signal) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers },
      body: payload,
      redirect: 'manual',
      signal,
    }),
  );
  const text = await response.text();
  const retryAfter = response.headers.get('retry-after');
  return {
    status: response.status,
    ok: response.ok,
    body: parseJson(text),
    text,
    ...(retryAfter ? { retryAfter } : {}),
  };
}

/** POSTs a multipart form (files for channels that take uploads, not links); retried and answered like postJson. */
export async function postForm(url: string, form: FormData, options: RequestOptions = {}): Promise<HttpAnswer> {
  await assertSendableUrl(url, guardOptions(options));
  const response = await withRetries(options, (signal) =>
    fetch(url, {
      method: 'POST',
      headers: { accept: 'application/json', ...options.headers },
      body: form,
      redirect: 'manual',
      signal,
    }),
  );
  const text = await response.text();
  return { status: response.status, ok: response.ok, body: parseJson(text), text };
}

/**
 * GETs bytes (channel media, media lookups). Retries like postJson; a final error status throws DownloadFailed, a body
 * over `maxBytes` throws ResponseTooLarge. Redirects are followed by hand (at most 3), each hop checked like the URL,
 * the outbound-URL guard included.
 */
export async function getBytes(url: string, options: RequestOptions & { maxBytes?: number } = {}): Promise<Download> {
  const maxBytes = options.maxBytes ?? MAX_DOWNLOAD_BYTES;
  let target = checkedMediaUrl(url);
  for (let hop = 0; ; hop++) {
    const current = target;
    await assertSendableUrl(current, guardOptions(options));
    const response = await withRetries(options, (signal) =>
      fetch(current, { headers: options.headers ?? {}, redirect: 'manual', signal }),
    );
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location && hop < 3) {
      await response.body?.cancel();
      target = checkedMediaUrl(new URL(location, current).href);
      continue;
    }
    if (!response.ok) {
      throw new DownloadFailed(response.status, errorText(parseJson(await response.text()), ''));
    }
    const contentType = response.headers.get('content-type') ?? undefined;
    const bytes = await readLimited(response, maxBytes);
    return { bytes, ...(contentType ? { contentType } : {}) };
  }
}

/** 408, 429 and 5xx: the channel may take the same request later (CH3: retried by a timer, not marked failed). */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * The reason a delivery failed, for M3: `<status>: <the channel's own error text>`, read from the usual error shapes
 * (Telegram `description`, Graph API `error.message`, `{ error: "…" }`, `{ message: "…" }`) or the raw text.
 */
export function failureReason(answer: HttpAnswer): string {
  return `${answer.status}: ${errorText(answer.body, answer.text) || 'no error text'}`;
}

/** The other side's own error text in an answer (empty when it gave none), cut to 300 characters. */
export function answerDetail(answer: HttpAnswer): string {
  return errorText(answer.body, answer.text);
}

/**
 * Media URLs come from webhook payloads, so only https is fetched — plain http only from the configured channel API
 * origins (the local fake channel server), never from an arbitrary local address.
 */
export function isFetchableMediaUrl(url: URL): boolean {
  if (url.protocol === 'https:') return true;
  if (url.protocol !== 'http:') return false;
  const config = readConfig();
  return [config.telegramApiBase, config.whatsappApiBase].some((base) => originOf(base) === url.origin);
}

const guardOptions = (options: RequestOptions) => (options.resolve ? { resolve: options.resolve } : {});

function checkedMediaUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('not a valid URL');
  }
  if (!isFetchableMediaUrl(url)) throw new Error(`media URLs must be https (got ${url.protocol}//${url.host})`);
  return url.href;
}

async function withRetries(
  options: RequestOptions,
  attempt: (signal: AbortSignal) => Promise<Response>,
): Promise<Response> {
  const attempts = Math.max(1, options.attempts ?? RETRY_POLICY.attempts);
  const deadline = Date.now() + (options.totalBudgetMs ?? RETRY_POLICY.totalBudgetMs);
  for (let n = 1; ; n++) {
    const remaining = deadline - Date.now();
    const perAttempt = options.attemptTimeoutMs ?? RETRY_POLICY.attemptTimeoutMs;
    const timeout = AbortSignal.timeout(Math.max(1, Math.min(perAttempt, remaining)));
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let wait: number;
    try {
      const response = await attempt(signal);
      if (response.status !== 429 && response.status < 500) return response;
      wait = Math.max(backoff(n), await retryAfterMs(response));
      if (n >= attempts || Date.now() + wait >= deadline) return response;
      await response.body?.cancel();
    } catch (error) {
      if (options.signal?.aborted) throw error;
      wait = backoff(n);
      if (n >= attempts || Date.now() + wait >= deadline) throw networkError(error);
    }
    await sleep(wait, options.signal);
  }
}

function backoff(attempt: number): number {
  const ceiling = Math.min(RETRY_POLICY.maxDelayMs, RETRY_POLICY.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling * (0.5 + Math.random() / 2));
}

/** Retry-After (seconds or an HTTP date), or a Telegram-style `parameters.retry_after` in the JSON body; capped. */
async function retryAfterMs(response: Response): Promise<number> {
  const header = response.headers.get('retry-after');
  let seconds: number | undefined;
  if (header && /^\d+$/.test(header.trim())) seconds = Number(header.trim());
  else if (header && !Number.isNaN(Date.parse(header))) seconds = (Date.parse(header) - Date.now()) / 1000;
  else if (response.status === 429) {
    const body = parseJson(await response.clone().text()) as { parameters?: { retry_after?: unknown } } | undefined;
    const fromBody = body?.parameters?.retry_after;
    if (typeof fromBody === 'number') seconds = fromBody;
  }
  if (seconds === undefined || !Number.isFinite(seconds)) return 0;
  return Math.min(RETRY_POLICY.maxDelayMs, Math.max(0, seconds * 1000));
}

/**
 * A request that got no answer after its retries. `uncertain`: it was sent but timed out, so the channel may have
 * acted on it (a message may have arrived); a refused connection was never received.
 */
export class ChannelUnreachable extends Error {
  constructor(
    message: string,
    readonly uncertain: boolean,
  ) {
    super(message);
    this.name = 'ChannelUnreachable';
  }
}

function networkError(error: unknown): Error {
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new ChannelUnreachable('the channel did not answer in time', true);
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return new ChannelUnreachable(
    `the channel could not be reached (${cause?.code ?? cause?.message ?? (error as Error).message})`,
    false,
  );
}

async function readLimited(response: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new ResponseTooLarge(maxBytes);
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await response.body.cancel().catch(() => undefined);
      throw new ResponseTooLarge(maxBytes);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

function errorText(body: unknown, text: string): string {
  const candidates: unknown[] = [];
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    const error = record.error;
    candidates.push(record.description);
    if (error && typeof error === 'object') candidates.push((error as Record<string, unknown>).message);
    candidates.push(error, record.message);
  }
  const found = candidates.find((value): value is string => typeof value === 'string' && value.trim().length > 0);
  return (found ?? text).trim().replace(/\s+/g, ' ').slice(0, 300);
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function originOf(base: string): string | undefined {
  try {
    return new URL(base).origin;
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

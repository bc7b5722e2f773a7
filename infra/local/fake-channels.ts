// A fake of the channels' own APIs, so the local stack and tests deliver and download for real over HTTP without
// leaving the machine: one server impersonating the Telegram Bot API, the WhatsApp Cloud API and `api` callback URLs.
//
// Point the drivers at it with `env()` (TELEGRAM_API_BASE, WHATSAPP_API_BASE; read by shared/platform/config.ts). It serves:
//   Telegram   POST|GET /bot<token>/<method>      sendMessage, sendPhoto, sendDocument, sendVideo, sendAudio,
//                                                 sendVoice (the file in its field, ≤ 1024-character caption;
//                                                 uploads recorded as FakeFile) → {ok:true,result:{message_id,…}}; getFile (file_id = a
//                                                 media id) → {ok:true,result:{file_path:'media/<id>'}}; setWebhook
//                                                 (checks the URL and secret_token as Telegram does) and
//                                                 getWebhookInfo (the URL last set), getMe; other methods → 404
//   WhatsApp   GET|POST /<version>/<wabaId>/subscribed_apps   the app's subscription (empty until POSTed)
//              GET /file/bot<token>/media/<id>   the bytes of media <id>
//   WhatsApp   POST /<version>/<phoneNumberId>/messages → {messaging_product:'whatsapp',contacts,messages:[{id:'wamid.…'}]}
//                                                 (media messages checked: one of id/link, no caption on audio)
//              GET  /<version>/<mediaId>          → {url:'<base>/whatsapp-media/<id>',mime_type,sha256,file_size,id}
//              GET  /whatsapp-media/<mediaId>     the bytes
//   api        POST /api-callback/<anything>      → 200 {ok:true}
//   webhooks   POST /webhooks/<anything>          → 200 {received:<event id>}: a receiver of outgoing webhooks (W1)
//   any        GET  /media/<id>                   the bytes (attachment URLs in `api` webhook payloads: mediaUrl(id))
// and, for users and tests outside this process (not recorded themselves):
//   GET /__calls?since=<seq>&path=<prefix>         recorded calls after call number <seq> (default 0), oldest first:
//                                                 {calls:[{seq,method,path,query,headers,body,rawBodyBase64,status,at}],
//                                                 lastSeq}; pass lastSeq as the next `since`
//   PUT /__media/<id>[?fileName=…]                 registers the request's bytes (content-type = their MIME type) as
//                                                 media <id>, served as above → 201 {id,mimeType,size,fileName?,url}
// Every request is recorded (`calls()`), failures are injected with `failNext(pathPrefix, status, count)` (first
// registered, first used; `reset()` drops leftovers), and media is registered with `addMedia(id, bytes, mimeType)`.
// Paths are matched without the query string.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CHANNEL_API_ENV } from '../../shared/platform/config';

export interface FakeCall {
  /** 1, 2, 3… in arrival order: GET /__calls?since=<seq> answers the calls after it. */
  seq: number;
  method: string;
  /** Without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased names. */
  headers: Record<string, string>;
  rawBody: Buffer;
  /** JSON or form bodies parsed; undefined for none or other types (multipart is kept raw only). */
  body: unknown;
  /** The status the fake answered with. */
  status: number;
  at: Date;
}

export interface FailureOptions {
  /** Sent as Retry-After on a 429 (default 1 second). */
  retryAfterSeconds?: number;
  /** The answer body; by default the failing API's own error shape. */
  body?: unknown;
}

/** A file a channel API received as a multipart upload (Telegram send*). */
export interface FakeFile {
  fileName: string;
  mimeType: string;
  size: number;
  sha256: string;
}

export interface FakeMedia {
  bytes: Buffer;
  mimeType: string;
  fileName?: string;
}

export interface FakeChannels {
  /** http://host:port */
  url: string;
  /** What TELEGRAM_API_BASE should be. */
  telegramApiBase: string;
  /** What WHATSAPP_API_BASE should be (the Graph API version included). */
  whatsappApiBase: string;
  /** TELEGRAM_API_BASE and WHATSAPP_API_BASE for this server; assign to process.env. */
  env(): Record<string, string>;
  /** Recorded requests, oldest first; only those whose path starts with `pathPrefix` when given. */
  calls(pathPrefix?: string): FakeCall[];
  clearCalls(): void;
  /** Forgets recorded calls and pending failures (media stays registered): for a test's beforeEach. */
  reset(): void;
  /** Registers media under `id`: a Telegram file_id, a WhatsApp media id and /media/<id> all serve it. */
  addMedia(id: string, bytes: Buffer, mimeType: string, fileName?: string): void;
  /** Where /media/<id> is served: for attachment URLs in `api` payloads. */
  mediaUrl(id: string): string;
  /** The next `count` requests whose path starts with `pathPrefix` are answered with `status`. */
  failNext(pathPrefix: string, status: number, count?: number, options?: FailureOptions): void;
  /** Waits until at least `count` calls match (default 1), or fails after `timeoutMs`. */
  waitForCalls(pathPrefix: string, count?: number, timeoutMs?: number): Promise<FakeCall[]>;
  stop(): Promise<void>;
}

export const WHATSAPP_FAKE_VERSION = 'v21.0';

interface Failure {
  pathPrefix: string;
  status: number;
  remaining: number;
  options: FailureOptions;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: Buffer | unknown;
}

export async function startFakeChannels(options: { port?: number; host?: string } = {}): Promise<FakeChannels> {
  const host = options.host ?? '127.0.0.1';
  const calls: FakeCall[] = [];
  const failures: Failure[] = [];
  const media = new Map<string, FakeMedia>();
  /** Telegram: the webhook URL set per bot token. WhatsApp: business accounts the app is subscribed to. */
  const webhooks = new Map<string, string>();
  const subscribedAccounts = new Set<string>();
  let nextMessageId = 1000;
  let lastSeq = 0;
  let url = '';

  /** The fake's own endpoints (prefix `/__`): answered here and not recorded, so a reader never sees its reads. */
  const control = (call: Omit<FakeCall, 'status' | 'seq'>): Answer | undefined => {
    if (call.path === '/__calls' && call.method === 'GET') {
      const since = call.query.since ?? '0';
      if (!/^\d{1,15}$/.test(since))
        return { status: 400, body: { error: 'since: must be a call number (0 for all)' } };
      const prefix = call.query.path;
      const found = calls.filter((c) => c.seq > Number(since) && (!prefix || c.path.startsWith(prefix)));
      return { status: 200, body: { calls: found.map(callJson), lastSeq } };
    }
    const upload = /^\/__media\/(.+)$/.exec(call.path);
    if (upload && call.method === 'PUT') {
      const id = decodeURIComponent(upload[1] ?? '');
      if (!call.rawBody.length) return { status: 400, body: { error: 'PUT the media bytes as the request body' } };
      const mimeType = call.headers['content-type']?.split(';')[0]?.trim() || 'application/octet-stream';
      const fileName = call.query.fileName;
      media.set(id, { bytes: call.rawBody, mimeType, ...(fileName ? { fileName } : {}) });
      return {
        status: 201,
        body: { id, mimeType, size: call.rawBody.length, ...(fileName ? { fileName } : {}), url: mediaUrlOf(id) },
      };
    }
    if (call.path.startsWith('/__'))
      return { status: 404, body: { error: `No fake control ${call.method} ${call.path}` } };
    return undefined;
  };
  const mediaUrlOf = (id: string) => `${url}/media/${encodeURIComponent(id)}`;

  const answer = (call: Omit<FakeCall, 'status' | 'seq'>): Answer => {
    const failure = failures.find((f) => f.remaining > 0 && call.path.startsWith(f.pathPrefix));
    if (failure) {
      failure.remaining--;
      return failed(call.path, failure.status, failure.options);
    }
    return route(call);
  };

  const route = (call: Omit<FakeCall, 'status' | 'seq'>): Answer => {
    const { path, method } = call;
    const params = { ...call.query, ...(isRecord(call.body) ? call.body : {}) };

    const file = /^\/file\/bot[^/]+\/media\/(.+)$/.exec(path);
    if (file && method === 'GET') return bytesOf(media.get(decodeURIComponent(file[1] ?? '')));

    const bot = /^\/bot([^/]+)\/(\w+)$/.exec(path);
    if (bot) {
      const methodName = bot[2] ?? '';
      if (methodName === 'getFile') {
        const id = String(params.file_id ?? '');
        const found = media.get(id);
        if (!found) return telegramError(400, 'Bad Request: invalid file_id');
        const result = {
          file_id: id,
          file_unique_id: shortHash(id),
          file_size: found.bytes.length,
          file_path: `media/${encodeURIComponent(id)}`,
        };
        return { status: 200, body: { ok: true, result } };
      }
      if (methodName === 'setWebhook' || methodName === 'deleteWebhook') {
        // Telegram's rules: an https URL (plain http to a loopback host is let through, for the local stack), and a
        // secret_token of 1-256 characters from A-Z, a-z, 0-9, _ and -.
        const webhookUrl = methodName === 'deleteWebhook' ? '' : String(params.url ?? '');
        const secret = params.secret_token;
        if (webhookUrl && !/^(https:\/\/|http:\/\/(127\.0\.0\.1|localhost)[:/])/.test(webhookUrl)) {
          return telegramError(400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
        }
        if (secret !== undefined && !/^[\w-]{1,256}$/.test(String(secret))) {
          return telegramError(400, 'Bad Request: secret token contains unallowed characters');
        }
        webhooks.set(bot[1] ?? '', webhookUrl);
        const description = webhookUrl ? 'Webhook was set' : 'Webhook was deleted';
        return { status: 200, body: { ok: true, result: true, description } };
      }
      if (methodName === 'getWebhookInfo') {
        const result = {
          url: webhooks.get(bot[1] ?? '') ?? '',
          has_custom_certificate: false,
          pending_update_count: 0,
        };
        return { status: 200, body: { ok: true, result } };
      }
      if (methodName === 'getMe') {
        return { status: 200, body: { ok: true, result: { id: 123456789, is_bot: true, username: 'local_bot' } } };
      }
      if (/^send(Message|Photo|Document|Video|Audio|Voice|Animation|ChatAction)$/.test(methodName)) {
        if (methodName === 'sendChatAction') return { status: 200, body: { ok: true, result: true } };
        // As the Bot API: a send* of a file needs the file (an upload, a file_id or a URL) in its own field.
        const fileField = TELEGRAM_FILE_FIELDS[methodName];
        if (fileField && (params[fileField] === undefined || params[fileField] === '')) {
          return telegramError(400, `Bad Request: there is no ${fileField} in the request`);
        }
        if (typeof params.caption === 'string' && [...params.caption].length > 1024) {
          return telegramError(400, 'Bad Request: message caption is too long');
        }
        const chatId = Number(params.chat_id);
        const result: Record<string, unknown> = {
          message_id: nextMessageId++,
          date: Math.floor(Date.now() / 1000),
          chat: { id: Number.isFinite(chatId) ? chatId : params.chat_id, type: 'private' },
          from: { id: 123456789, is_bot: true, first_name: 'Local bot', username: 'local_bot' },
        };
        if (typeof params.text === 'string') result.text = params.text;
        if (typeof params.caption === 'string') result.caption = params.caption;
        return { status: 200, body: { ok: true, result } };
      }
      return telegramError(404, 'Not Found');
    }

    const waMessages = /^\/v\d+\.\d+\/(\d+)\/messages$/.exec(path);
    if (waMessages && method === 'POST') {
      const to = String(params.to ?? '');
      const invalidMedia = whatsappMediaProblem(params);
      if (invalidMedia) return whatsappError(400, `(#100) Invalid parameter: ${invalidMedia}`, 100);
      return {
        status: 200,
        body: {
          messaging_product: 'whatsapp',
          contacts: [{ input: to, wa_id: to.replace(/^\+/, '') }],
          messages: [{ id: `wamid.${randomBytes(12).toString('hex').toUpperCase()}` }],
        },
      };
    }
    const waApps = /^\/v\d+\.\d+\/(\d+)\/subscribed_apps$/.exec(path);
    if (waApps) {
      const account = waApps[1] ?? '';
      if (method === 'POST') {
        subscribedAccounts.add(account);
        return { status: 200, body: { success: true } };
      }
      const data = subscribedAccounts.has(account)
        ? [{ whatsapp_business_api_data: { id: '300000000000003', name: 'Switchboard local app' } }]
        : [];
      return { status: 200, body: { data } };
    }
    const waMedia = /^\/v\d+\.\d+\/([^/]+)$/.exec(path);
    if (waMedia && method === 'GET') {
      const id = decodeURIComponent(waMedia[1] ?? '');
      const found = media.get(id);
      if (!found) return whatsappError(404, `Unsupported get request. Object with ID '${id}' does not exist.`, 100);
      return {
        status: 200,
        body: {
          messaging_product: 'whatsapp',
          url: `${url}/whatsapp-media/${encodeURIComponent(id)}`,
          mime_type: found.mimeType,
          sha256: createHash('sha256').update(found.bytes).digest('hex'),
          file_size: found.bytes.length,
          id,
        },
      };
    }
    const waDownload = /^\/whatsapp-media\/(.+)$/.exec(path);
    if (waDownload && method === 'GET') return bytesOf(media.get(decodeURIComponent(waDownload[1] ?? '')));

    if (path.startsWith('/api-callback/') && method === 'POST') return { status: 200, body: { ok: true } };
    // W1: a receiver of outgoing webhooks (a CRM's endpoint): takes every event; GET /__calls?path=/webhooks/ lists them.
    if (path.startsWith('/webhooks/') && method === 'POST') {
      const id = (call.body as { id?: unknown } | undefined)?.id;
      return { status: 200, body: { received: typeof id === 'string' ? id : null } };
    }

    const plain = /^\/media\/(.+)$/.exec(path);
    if (plain && method === 'GET') return bytesOf(media.get(decodeURIComponent(plain[1] ?? '')));

    return { status: 404, body: { error: `No fake for ${method} ${path}` } };
  };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const target = new URL(request.url ?? '/', 'http://fake');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      const rawBody = Buffer.concat(chunks);
      const partial = {
        method: request.method ?? 'GET',
        path: target.pathname,
        query: Object.fromEntries(target.searchParams),
        headers,
        rawBody,
        body: await parseBody(rawBody, headers['content-type']),
        at: new Date(),
      };
      let reply: Answer;
      const own = control(partial);
      try {
        reply = own ?? answer(partial);
      } catch (error) {
        reply = { status: 500, body: { error: (error as Error).message } };
      }
      if (!own) calls.push({ ...partial, seq: ++lastSeq, status: reply.status });
      const isBytes = Buffer.isBuffer(reply.body);
      const payload = isBytes ? (reply.body as Buffer) : Buffer.from(JSON.stringify(reply.body));
      response.writeHead(reply.status, {
        'content-type': 'application/json',
        ...reply.headers,
        'content-length': String(payload.length),
      });
      response.end(payload);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  url = `http://${host}:${port}`;
  const telegramApiBase = url;
  const whatsappApiBase = `${url}/${WHATSAPP_FAKE_VERSION}`;
  const matching = (prefix?: string) => calls.filter((call) => !prefix || call.path.startsWith(prefix));

  return {
    url,
    telegramApiBase,
    whatsappApiBase,
    env: () => ({
      [CHANNEL_API_ENV.telegramApiBase]: telegramApiBase,
      [CHANNEL_API_ENV.whatsappApiBase]: whatsappApiBase,
    }),
    calls: matching,
    clearCalls: () => {
      calls.length = 0;
    },
    reset: () => {
      calls.length = 0;
      failures.length = 0;
    },
    addMedia(id, bytes, mimeType, fileName) {
      media.set(id, { bytes, mimeType, ...(fileName ? { fileName } : {}) });
    },
    mediaUrl: mediaUrlOf,
    failNext(pathPrefix, status, count = 1, failureOptions = {}) {
      failures.push({ pathPrefix, status, remaining: count, options: failureOptions });
    },
    async waitForCalls(pathPrefix, count = 1, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = matching(pathPrefix);
        if (found.length >= count) return found;
        if (Date.now() > deadline) {
          throw new Error(`fake channels: ${found.length} of ${count} calls to ${pathPrefix} within ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A recorded call as GET /__calls lists it: bytes as base64, so any body survives JSON. */
function callJson(call: FakeCall) {
  const { rawBody, at, ...rest } = call;
  return { ...rest, body: call.body ?? null, rawBodyBase64: rawBody.toString('base64'), at: at.toISOString() };
}

const TELEGRAM_FILE_FIELDS: Record<string, string> = {
  sendPhoto: 'photo',
  sendDocument: 'document',
  sendVideo: 'video',
  sendAudio: 'audio',
  sendVoice: 'voice',
  sendAnimation: 'animation',
};

/** The Cloud API's rules for a media message: exactly one of id and link; no caption on audio; captions ≤ 1024. */
function whatsappMediaProblem(params: Record<string, unknown>): string | undefined {
  const type = String(params.type ?? '');
  if (!['image', 'video', 'audio', 'document', 'sticker'].includes(type)) return undefined;
  const media = params[type];
  if (!isRecord(media)) return `${type} object is required`;
  if ((media.id === undefined) === (media.link === undefined)) return `${type} needs exactly one of id and link`;
  if (media.link !== undefined && !/^https?:\/\//.test(String(media.link)))
    return `${type}.link must be an http(s) URL`;
  if (media.caption !== undefined && (type === 'audio' || type === 'sticker')) return `${type} takes no caption`;
  if (typeof media.caption === 'string' && [...media.caption].length > 1024) return `${type}.caption is too long`;
  if (media.filename !== undefined && type !== 'document') return `only documents take a filename`;
  return undefined;
}

/** An injected failure in the shape of the API that was called. */
function failed(path: string, status: number, options: FailureOptions): Answer {
  const headers: Record<string, string> = {};
  if (status === 429) headers['retry-after'] = String(options.retryAfterSeconds ?? 1);
  if (options.body !== undefined) return { status, headers, body: options.body };
  const text = status === 429 ? 'Too Many Requests' : status >= 500 ? 'Internal Server Error' : 'Bad Request';
  if (path.startsWith('/bot') || path.startsWith('/file/bot')) {
    const description = status === 429 ? `Too Many Requests: retry after ${options.retryAfterSeconds ?? 1}` : text;
    return {
      status,
      headers,
      body: {
        ok: false,
        error_code: status,
        description,
        ...(status === 429 ? { parameters: { retry_after: options.retryAfterSeconds ?? 1 } } : {}),
      },
    };
  }
  if (/^\/v\d+\.\d+\//.test(path) || path.startsWith('/whatsapp-media/')) {
    return { ...whatsappError(status, `(#${status}) ${text}`, status === 429 ? 130429 : 131000), headers };
  }
  return { status, headers, body: { error: `Simulated ${status}: ${text}` } };
}

function telegramError(status: number, description: string): Answer {
  return { status, body: { ok: false, error_code: status, description } };
}

function whatsappError(status: number, message: string, code: number): Answer {
  return {
    status,
    body: {
      error: { message, type: 'OAuthException', code, fbtrace_id: randomBytes(8).toString('base64url') },
    },
  };
}

function bytesOf(found: FakeMedia | undefined): Answer {
  if (!found) return { status: 404, body: { error: 'No such media' } };
  return { status: 200, headers: { 'content-type': found.mimeType }, body: found.bytes };
}

async function parseBody(raw: Buffer, contentType: string | undefined): Promise<unknown> {
  if (!raw.length) return undefined;
  const text = raw.toString('utf8');
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  if (contentType?.includes('multipart/form-data')) return multipartFields(raw, contentType);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 16);
}

/** Multipart fields as strings, and files as what a test checks: name, type, size and SHA-256 of the bytes. */
async function multipartFields(raw: Buffer, contentType: string): Promise<Record<string, unknown>> {
  const form = await new Request('http://fake/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: new Uint8Array(raw),
  }).formData();
  const fields: Record<string, unknown> = {};
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') {
      fields[name] = value;
      continue;
    }
    const bytes = Buffer.from(await value.arrayBuffer());
    fields[name] = {
      fileName: (value as File).name,
      mimeType: value.type,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    } satisfies FakeFile;
  }
  return fields;
}

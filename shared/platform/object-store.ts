// Attachment objects through SigV4-signed requests (A1): store, inspect, copy, delete and presign downloads. The S3
// client, with its checksum, XML and endpoint middleware, is ~130 KB of bundle that every request function would carry
// for these few calls; the signer is already bundled for them.
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { dynamo, s3rverCredentials } from './aws-clients';
import { readConfig } from './config';

/** SHA-256 and HMAC-SHA256 from node:crypto in the shape the signer expects. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytesOf = (data: SourceData): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

export class NodeSha256 {
  private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  private readonly secret: string | Uint8Array | undefined;
  constructor(secret?: SourceData) {
    this.secret = secret === undefined ? undefined : bytesOf(secret);
    this.hash = this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
}

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

/** The credentials requests are signed with: the function's role in AWS, s3rver's fixed pair locally. */
export async function signingCredentials(): Promise<SigningCredentials> {
  if (readConfig().s3Endpoint) return s3rverCredentials;
  const provider = dynamo().config.credentials;
  return typeof provider === 'function' ? provider() : provider;
}

export function signer(service: string, credentials?: SigningCredentials): SignatureV4 {
  return new SignatureV4({
    service,
    region: readConfig().region,
    credentials: credentials ?? signingCredentials,
    sha256: NodeSha256,
    uriEscapePath: service !== 's3',
  });
}

/** S3 keys keep their slashes; every other reserved character is percent-encoded once, as S3 signs it. */
const encodeKey = (key: string) => key.split('/').map(encodeURIComponent).join('/');

/** Where the bucket is addressed: path style locally (s3rver), the virtual-hosted name in AWS. */
export function bucketUrl(): string {
  const config = readConfig();
  return config.s3Endpoint
    ? `${config.s3Endpoint.replace(/\/$/, '')}/${config.bucketName}`
    : `https://${config.bucketName}.s3.${config.region}.amazonaws.com`;
}

const objectUrl = (key: string) => new URL(`${bucketUrl()}/${encodeKey(key)}`);

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

async function s3Request(
  method: 'GET' | 'HEAD' | 'PUT' | 'DELETE',
  key: string,
  options: { headers?: Record<string, string>; body?: Buffer } = {},
): Promise<Response> {
  const url = objectUrl(key);
  const body = options.body;
  const headers: Record<string, string> = {
    host: url.host,
    'x-amz-content-sha256': body ? createHash('sha256').update(body).digest('hex') : EMPTY_SHA256,
    ...options.headers,
  };
  if (body) headers['content-length'] = String(body.byteLength);
  const signed = await signer('s3').sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: {},
    headers,
    ...(body ? { body } : {}),
  });
  // fetch sets host and content-length itself, to the same values that were signed.
  const { host: _host, 'content-length': _length, ...sent } = signed.headers;
  return fetch(url, { method, headers: sent, ...(body ? { body } : {}) });
}

async function failure(what: string, response: Response): Promise<Error> {
  return new Error(`${what} failed: ${response.status} ${(await response.text()).slice(0, 300)}`);
}

export async function putObject(key: string, body: Buffer, contentType: string): Promise<void> {
  const response = await s3Request('PUT', key, { body, headers: { 'content-type': contentType } });
  if (!response.ok) throw await failure(`Storing ${key}`, response);
}

export interface StoredObject {
  size: number;
  contentType: string | undefined;
  /** User metadata (`x-amz-meta-*`), names without the prefix. */
  metadata: Record<string, string>;
}

/** What is stored under `key`, or undefined when nothing is. */
export async function headObject(key: string): Promise<StoredObject | undefined> {
  const response = await s3Request('HEAD', key);
  if (response.status === 404 || response.status === 403) return undefined;
  if (!response.ok) throw await failure(`Reading ${key}`, response);
  const metadata: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
  });
  return {
    size: Number(response.headers.get('content-length') ?? 0),
    contentType: response.headers.get('content-type') ?? undefined,
    metadata,
  };
}

/** The object's first `length` bytes (fewer if it is shorter) and its whole size; undefined when it is gone. */
export async function readObjectStart(
  key: string,
  length: number,
): Promise<{ bytes: Buffer; size: number } | undefined> {
  const response = await s3Request('GET', key, { headers: { range: `bytes=0-${length - 1}` } });
  if (response.status === 404) return undefined;
  // An empty object cannot satisfy any range.
  if (response.status === 416) return { bytes: Buffer.alloc(0), size: 0 };
  if (!response.ok) throw await failure(`Reading ${key}`, response);
  const bytes = Buffer.from(await response.arrayBuffer());
  const total = /\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1];
  return { bytes: bytes.subarray(0, length), size: total ? Number(total) : bytes.length };
}

/** The whole object (at most 20 MB by M4), for channels that take uploads rather than links. */
export async function readObject(key: string): Promise<Buffer> {
  const response = await s3Request('GET', key);
  if (!response.ok) throw await failure(`Reading ${key}`, response);
  return Buffer.from(await response.arrayBuffer());
}

/** Copies within the bucket, replacing the type: the copy is typed by what its bytes were found to be. */
export async function copyObject(from: string, to: string, contentType: string): Promise<void> {
  const { bucketName } = readConfig();
  const response = await s3Request('PUT', to, {
    headers: {
      'x-amz-copy-source': `/${bucketName}/${encodeKey(from)}`,
      'x-amz-metadata-directive': 'REPLACE',
      'content-type': contentType,
    },
  });
  // S3 can answer 200 with an error document when a copy fails midway.
  const text = await response.text();
  if (!response.ok || text.includes('<Error>'))
    throw new Error(`Copying ${from} failed: ${response.status} ${text.slice(0, 300)}`);
}

export async function deleteObject(key: string): Promise<void> {
  const response = await s3Request('DELETE', key);
  if (!response.ok && response.status !== 404) throw await failure(`Deleting ${key}`, response);
}

/**
 * A short-lived download URL (A1) that names the file with its original name (RFC 6266 `filename*`), so the browser
 * saves it as the client or operator called it; an ASCII fallback serves old clients.
 */
export async function presignDownload(key: string, fileName: string, expiresInSeconds: number): Promise<string> {
  const url = objectUrl(key);
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const disposition = `attachment; filename="${ascii}"; filename*=UTF-8''${encodeRfc5987(fileName)}`;
  const signed = await signer('s3').presign(
    {
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: { 'response-content-disposition': disposition },
      // As the SDK's presigner: the payload of a presigned GET is not signed (S3 expects this exact value).
      headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    },
    { expiresIn: expiresInSeconds },
  );
  // Encoded as SigV4 canonicalizes (RFC 3986), or the server's canonical request would differ from the signed one.
  const query = Object.entries(signed.query ?? {})
    .map(([name, value]) => `${encodeRfc3986(name)}=${encodeRfc3986(String(value))}`)
    .join('&');
  return `${url.origin}${url.pathname}?${query}`;
}

const encodeRfc3986 = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
/** RFC 5987 `filename*` values are RFC 3986 percent-encoded UTF-8. */
const encodeRfc5987 = encodeRfc3986;

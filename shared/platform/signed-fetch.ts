// SigV4-signed fetch for the few AWS calls that do not earn a whole SDK client in a bundle (an S3 PUT, an SQS send):
// each client brings ~100 KB of middleware that a request-path function would carry for one call.
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { dynamo } from './aws-clients';

/** SHA-256 and HMAC-SHA256 from node:crypto in the shape the signer expects. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytesOf = (data: SourceData): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

class NodeSha256 {
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

export interface SignedRequest {
  service: string;
  region: string;
  method: 'PUT' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
  /** Fixed credentials (local emulators); default: the function's own, as the SDK resolves them. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** S3 signs the path as sent; other services want it escaped once more. */
  uriEscapePath?: boolean;
}

export async function signedFetch(request: SignedRequest): Promise<Response> {
  const signer = new SignatureV4({
    service: request.service,
    region: request.region,
    credentials: request.credentials ?? dynamo().config.credentials,
    sha256: NodeSha256,
    uriEscapePath: request.uriEscapePath ?? true,
  });
  const { url } = request;
  const signed = await signer.sign({
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-length': String(request.body.byteLength), ...request.headers },
    body: request.body,
  });
  // fetch sets host and content-length itself, to the same values that were signed.
  const { host: _host, 'content-length': _length, ...sent } = signed.headers;
  return fetch(url, { method: request.method, headers: sent, body: request.body });
}

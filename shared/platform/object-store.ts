// Attachment writes as a SigV4-signed PUT: the S3 client, with its checksum, XML and endpoint middleware, is ~130 KB of
// bundle a webhook function would carry for this one call. Presigned URLs and reads still use the S3 client.
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

/** S3 keys keep their slashes; every other reserved character is percent-encoded once, as S3 signs it. */
const encodeKey = (key: string) => key.split('/').map(encodeURIComponent).join('/');

export async function putObject(key: string, body: Buffer, contentType: string): Promise<void> {
  const config = readConfig();
  const url = config.s3Endpoint
    ? new URL(`${config.s3Endpoint.replace(/\/$/, '')}/${config.bucketName}/${encodeKey(key)}`)
    : new URL(`https://${config.bucketName}.s3.${config.region}.amazonaws.com/${encodeKey(key)}`);
  const signer = new SignatureV4({
    service: 's3',
    region: config.region,
    credentials: config.s3Endpoint ? s3rverCredentials : dynamo().config.credentials,
    sha256: NodeSha256,
    uriEscapePath: false,
  });
  const headers = {
    host: url.host,
    'content-type': contentType,
    'content-length': String(body.byteLength),
    'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
  };
  const signed = await signer.sign({
    method: 'PUT',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: {},
    headers,
    body,
  });
  // fetch sets host and content-length itself, to the same values that were signed.
  const { host: _host, 'content-length': _length, ...sent } = signed.headers;
  const response = await fetch(url, { method: 'PUT', headers: sent, body });
  if (!response.ok)
    throw new Error(`Storing ${key} failed: ${response.status} ${(await response.text()).slice(0, 300)}`);
}

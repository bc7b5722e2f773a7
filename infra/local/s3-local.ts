// Runs s3rver as the local S3, with the attachments bucket (and its CORS rules) configured at start, behind a small
// front that checks browser-upload (POST) policies as S3 does (s3-post-policy.ts) and passes everything else through.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error s3rver ships no type declarations
import S3rver from '@20minutes/s3rver';
import { SignatureV4 } from '@smithy/signature-v4';
import { s3rverCredentials } from '../../shared/platform/aws-clients';
import { NodeSha256 } from '../../shared/platform/object-store';
import { checkPostPolicy, s3ErrorXml } from './s3-post-policy';

export interface S3Local {
  endpoint: string;
  stop(): Promise<void>;
}

const corsConfiguration = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

/** S3's own bound for a POST upload body; the policy's range is the real limit. */
const MAX_POST_BYTES = 64 * 1024 * 1024;

export async function startS3Local(options: {
  port: number;
  bucketName: string;
  host?: string;
  /** Keep objects here across restarts; a temporary folder (removed at stop) when unset. */
  directory?: string;
}): Promise<S3Local> {
  const host = options.host ?? '127.0.0.1';
  const temporary = options.directory ? undefined : mkdtempSync(path.join(tmpdir(), 'switchboard-s3-'));
  const server = new S3rver({
    address: host,
    port: 0,
    silent: true,
    directory: options.directory ?? temporary,
    configureBuckets: [{ name: options.bucketName, configs: [corsConfiguration] }],
  });
  const { port: innerPort } = (await server.run()) as AddressInfo;
  const inner = `http://${host}:${innerPort}`;

  const front = http.createServer((request, response) => {
    const target = new URL(request.url ?? '/', 'http://front');
    const bucketPath = `/${options.bucketName}`;
    const isUpload =
      request.method === 'POST' &&
      (target.pathname === bucketPath || target.pathname === `${bucketPath}/`) &&
      (request.headers['content-type'] ?? '').startsWith('multipart/form-data');
    if (isUpload) {
      void acceptUpload(request, response, { inner, bucket: options.bucketName });
      return;
    }
    if (request.method === 'GET' && target.searchParams.has('X-Amz-Signature')) {
      void servePresignedGet(request, response, target, inner);
      return;
    }
    const upstream = http.request(
      `${inner}${request.url ?? '/'}`,
      { method: request.method, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', (error) => {
      response.writeHead(502).end(String(error));
    });
    request.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(options.port, host, () => resolve());
  });
  const { port } = front.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${port}`,
    stop: async () => {
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await server.close();
      if (temporary) rmSync(temporary, { recursive: true, force: true });
    },
  };
}

/** A browser upload: the policy is checked first; a good one is stored in s3rver with its type and metadata. */
async function acceptUpload(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  target: { inner: string; bucket: string },
): Promise<void> {
  const fail = (status: number, code: string, message: string) => {
    response.writeHead(status, { 'content-type': 'application/xml', 'access-control-allow-origin': '*' });
    response.end(s3ErrorXml(code, message));
  };
  try {
    const chunks: Buffer[] = [];
    let received = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > MAX_POST_BYTES) return fail(400, 'MaxPostPreDataLengthExceeded', 'Your POST is too large.');
      chunks.push(chunk);
    }
    const form = await new Request('http://front/', {
      method: 'POST',
      headers: { 'content-type': request.headers['content-type'] ?? '' },
      body: Buffer.concat(chunks),
    }).formData();
    // S3 reads fields up to the file; anything after it is ignored.
    const fields: Array<[string, string]> = [];
    let file: Blob | undefined;
    for (const [name, value] of form.entries()) {
      if (name.toLowerCase() === 'file') {
        if (typeof value !== 'string') file = value;
        break;
      }
      if (typeof value === 'string') fields.push([name, value]);
    }
    if (!file) return fail(400, 'InvalidArgument', 'POST requires exactly one file upload per request.');
    const verdict = checkPostPolicy(
      { fields, fileSize: file.size },
      {
        bucket: target.bucket,
        now: new Date(),
        secretFor: (id) => (id === s3rverCredentials.accessKeyId ? s3rverCredentials.secretAccessKey : undefined),
      },
    );
    if (!verdict.ok) return fail(verdict.status, verdict.code, verdict.message);
    const body = Buffer.from(await file.arrayBuffer());
    await storeInS3rver(target, verdict.key, body, {
      'content-type': verdict.contentType ?? 'binary/octet-stream',
      ...verdict.metadata,
    });
    response.writeHead(204, { 'access-control-allow-origin': '*' });
    response.end();
  } catch (error) {
    fail(500, 'InternalError', (error as Error).message);
  }
}

async function storeInS3rver(
  target: { inner: string; bucket: string },
  key: string,
  body: Buffer,
  headers: Record<string, string>,
): Promise<void> {
  const url = new URL(`${target.inner}/${target.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`);
  const signer = new SignatureV4({
    service: 's3',
    region: 'us-east-1',
    credentials: s3rverCredentials,
    sha256: NodeSha256,
    uriEscapePath: false,
  });
  const signed = await signer.sign({
    method: 'PUT',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: {},
    headers: {
      host: url.host,
      ...headers,
      'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
    },
    body,
  });
  const { host: _host, ...sent } = signed.headers;
  const answer = await fetch(url, { method: 'PUT', headers: sent, body });
  if (!answer.ok) throw new Error(`s3rver refused the upload: ${answer.status} ${await answer.text()}`);
}

/**
 * A presigned GET, checked as S3 does: s3rver canonicalizes query values with encodeURIComponent, not RFC 3986 as
 * SigV4 (and S3) do, so a `filename*=UTF-8''…` disposition would never verify there. The front verifies the
 * signature and expiry itself, fetches the object with a header-signed GET, and applies the response-* overrides.
 */
async function servePresignedGet(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  target: URL,
  inner: string,
): Promise<void> {
  const deny = (code: string, message: string) => {
    response.writeHead(403, { 'content-type': 'application/xml' });
    response.end(s3ErrorXml(code, message));
  };
  try {
    const query = Object.fromEntries(target.searchParams);
    const date = query['X-Amz-Date'] ?? '';
    const signedAt = new Date(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    const expiresIn = Number(query['X-Amz-Expires']);
    const [, , region = 'us-east-1'] = (query['X-Amz-Credential'] ?? '').split('/');
    if (Number.isNaN(signedAt.getTime()) || !(expiresIn > 0)) return deny('AccessDenied', 'Malformed presigned URL.');
    if (signedAt.getTime() + expiresIn * 1000 < Date.now()) return deny('AccessDenied', 'Request has expired');
    const hoisted = Object.fromEntries(
      Object.entries(query).filter(([name]) => !name.startsWith('X-Amz-') && !name.startsWith('x-amz-')),
    );
    const signer = new SignatureV4({
      service: 's3',
      region,
      credentials: s3rverCredentials,
      sha256: NodeSha256,
      uriEscapePath: false,
    });
    const again = await signer.presign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: (request.headers.host ?? '').split(':')[0] ?? '',
        path: target.pathname,
        query: hoisted,
        headers: { host: request.headers.host ?? '', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      },
      { signingDate: signedAt, expiresIn },
    );
    if (again.query?.['X-Amz-Signature'] !== query['X-Amz-Signature']) {
      return deny(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided.',
      );
    }
    const url = new URL(`${inner}${target.pathname}`);
    const signed = await signer.sign({
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: {},
      headers: { host: url.host, 'x-amz-content-sha256': createHash('sha256').update('').digest('hex') },
    });
    const { host: _host, ...sent } = signed.headers;
    const answer = await fetch(url, { headers: sent });
    const headers: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (name !== 'content-encoding' && name !== 'transfer-encoding') headers[name] = value;
    });
    const overrides: Record<string, string> = {
      'response-content-disposition': 'content-disposition',
      'response-content-type': 'content-type',
      'response-cache-control': 'cache-control',
    };
    if (answer.ok) {
      for (const [param, header] of Object.entries(overrides)) {
        const value = query[param];
        if (value !== undefined) headers[header] = value;
      }
    }
    response.writeHead(answer.status, headers);
    response.end(Buffer.from(await answer.arrayBuffer()));
  } catch (error) {
    response.writeHead(500, { 'content-type': 'application/xml' });
    response.end(s3ErrorXml('InternalError', (error as Error).message));
  }
}

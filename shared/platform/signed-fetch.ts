// SigV4-signed fetch for the few AWS calls that do not earn a whole SDK client in a bundle (an SQS send): each client
// brings ~100 KB of middleware that a request-path function would carry for one call. The signer is object-store's.
import { type SigningCredentials, signer } from './object-store';

export interface SignedRequest {
  service: string;
  method: 'PUT' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
  /** Fixed credentials (local emulators); default: the function's own, as the SDK resolves them. */
  credentials?: SigningCredentials;
}

export async function signedFetch(request: SignedRequest): Promise<Response> {
  const { url } = request;
  const signed = await signer(request.service, request.credentials).sign({
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

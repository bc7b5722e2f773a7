// The local @connections management API (`/<stage>/@connections/{connectionId}`): the endpoint handlers push frames
// through. Errors carry `x-amzn-errortype`, which is how the AWS SDK v3 client picks the exception class to throw
// (GoneException, PayloadTooLargeException, ForbiddenException), so product code sees locally what it sees in AWS.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { LiveConnection } from './websocket-api';

export interface ManagementApiOptions {
  stage: string;
  find: (connectionId: string) => LiveConnection | undefined;
  maxMessageBytes: number;
  log: (line: string) => void;
}

interface ManagementReply {
  statusCode: number;
  errorType?: string;
  body?: unknown;
}

const gone: ManagementReply = { statusCode: 410, errorType: 'GoneException', body: { message: 'Gone' } };

class PayloadTooLarge extends Error {}

function readBody(request: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Drain the rest so the SDK's keep-alive connection stays usable for the next call.
        request.removeAllListeners('data');
        request.resume();
        reject(new PayloadTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** The SDK percent-encodes the id (`=` → `%3D`); a malformed escape is kept as sent and matches no connection. */
function decodeConnectionId(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

/** The request listener of the WebSocket port's HTTP server (upgrades go to the WebSocket API instead). */
export function managementListener(options: ManagementApiOptions): http.RequestListener {
  const prefix = `/${options.stage}/@connections/`;

  async function decide(request: http.IncomingMessage, connectionId: string): Promise<ManagementReply> {
    // The signature is not verified, but an unsigned request fails as it would in AWS.
    if (!request.headers.authorization) {
      return { statusCode: 403, errorType: 'ForbiddenException', body: { message: 'Missing Authentication Token' } };
    }
    const connection = options.find(connectionId);
    switch (request.method) {
      case 'POST': {
        let data: Buffer;
        try {
          data = await readBody(request, options.maxMessageBytes);
        } catch (error) {
          if (!(error instanceof PayloadTooLarge)) throw error;
          return {
            statusCode: 413,
            errorType: 'PayloadTooLargeException',
            body: { message: `Message payload exceeds ${options.maxMessageBytes} bytes` },
          };
        }
        // Sent as one text frame, as API Gateway does, whatever the bytes are.
        return connection?.send(data) ? { statusCode: 200 } : gone;
      }
      case 'GET':
        if (!connection?.open) return gone;
        return {
          statusCode: 200,
          body: {
            connectedAt: new Date(connection.handshake.connectedAt).toISOString(),
            identity: {
              sourceIp: connection.handshake.identity.sourceIp,
              userAgent: connection.handshake.identity.userAgent ?? '',
            },
            lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
          },
        };
      case 'DELETE':
        if (!connection?.open) return gone;
        // AWS does not document the close code a client sees after DeleteConnection; a normal closure is assumed.
        connection.close(1000, '');
        return { statusCode: 204 };
      default:
        return { statusCode: 404, body: { message: 'Not Found' } };
    }
  }

  return (request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const encodedId = path.startsWith(prefix) ? path.slice(prefix.length) : '';
    const reply =
      encodedId && !encodedId.includes('/')
        ? decide(request, decodeConnectionId(encodedId))
        : Promise.resolve<ManagementReply>({ statusCode: 404, body: { message: 'Not Found' } });
    reply.then(
      (result) => {
        const headers: Record<string, string> = { 'x-amzn-requestid': randomUUID() };
        if (result.errorType) headers['x-amzn-errortype'] = result.errorType;
        if (result.body !== undefined) headers['content-type'] = 'application/json';
        response.writeHead(result.statusCode, headers);
        response.end(result.body === undefined ? undefined : JSON.stringify(result.body));
        if (result.statusCode >= 400) {
          options.log(`@connections ${request.method} ${path} ${result.statusCode} ${result.errorType ?? ''}`.trim());
        }
      },
      () => response.destroy(),
    );
  };
}

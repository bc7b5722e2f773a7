// The local HTTP API: matches requests against the route table's HTTP routes the way API Gateway does, invokes the
// route's handler with a payload-2.0 event and writes back its result (structured or bare, as API Gateway maps them).
import type http from 'node:http';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ServedHttpRoute as HttpRoute } from '../routes';
import { apiGatewayId, httpApiEvent } from './api-gateway-events';
import type { AuthorizeHttp, HttpAuthorization } from './authorizers';
import type { Invoke } from './lambda-runtime';

/** HTTP APIs refuse request bodies over 10 MB. */
export const MAX_HTTP_BODY_BYTES = 10 * 1024 * 1024;

type SegmentKind = 'literal' | 'parameter' | 'greedy';

interface CompiledRoute {
  route: HttpRoute;
  routeKey: string;
  segments: { kind: SegmentKind; value: string }[];
}

export interface HttpRouteMatch {
  route: HttpRoute;
  routeKey: string;
  pathParameters: Record<string, string> | undefined;
}

export interface HttpRouter {
  /** Route keys (`GET /health`) in table order: what this router serves, and nothing else. */
  routeKeys: readonly string[];
  match(method: string, path: string): HttpRouteMatch | undefined;
}

// API Gateway picks the most specific route: a literal segment beats `{param}`, which beats `{proxy+}`.
const SPECIFICITY: Record<SegmentKind, number> = { literal: 2, parameter: 1, greedy: 0 };

export function createHttpRouter(routes: readonly HttpRoute[]): HttpRouter {
  const compiled: CompiledRoute[] = routes.map((route) => ({
    route,
    routeKey: `${route.method} ${route.path}`,
    segments: route.path
      .split('/')
      .slice(1)
      .map((segment) => {
        const variable = /^\{([^{}]+?)(\+?)\}$/.exec(segment);
        if (!variable) return { kind: 'literal', value: segment };
        return { kind: variable[2] ? 'greedy' : 'parameter', value: variable[1] as string };
      }),
  }));

  function matchSegments(candidate: CompiledRoute, parts: string[]): Record<string, string> | undefined {
    const parameters: Record<string, string> = {};
    for (const [index, segment] of candidate.segments.entries()) {
      if (segment.kind === 'greedy') {
        const rest = parts.slice(index);
        if (!rest.length || rest.every((part) => part === '')) return undefined;
        parameters[segment.value] = decodePathPart(rest.join('/'));
        return parameters;
      }
      const part = parts[index];
      if (part === undefined) return undefined;
      if (segment.kind === 'literal' && segment.value !== part) return undefined;
      if (segment.kind === 'parameter') {
        if (part === '') return undefined;
        parameters[segment.value] = decodePathPart(part);
      }
    }
    return parts.length === candidate.segments.length ? parameters : undefined;
  }

  function moreSpecific(a: CompiledRoute, b: CompiledRoute): number {
    for (let index = 0; index < Math.max(a.segments.length, b.segments.length); index++) {
      const difference =
        SPECIFICITY[b.segments[index]?.kind ?? 'greedy'] - SPECIFICITY[a.segments[index]?.kind ?? 'greedy'];
      if (difference) return difference;
    }
    return 0;
  }

  return {
    routeKeys: compiled.map((candidate) => candidate.routeKey),
    match(method, path) {
      const parts = path.split('/').slice(1);
      const matches = compiled
        .filter((candidate) => candidate.route.method === method)
        .map((candidate) => ({ candidate, parameters: matchSegments(candidate, parts) }))
        .filter((found) => found.parameters !== undefined)
        .sort((a, b) => moreSpecific(a.candidate, b.candidate));
      const best = matches[0];
      if (!best) return undefined;
      const hasParameters = Object.keys(best.parameters ?? {}).length > 0;
      return {
        route: best.candidate.route,
        routeKey: best.candidate.routeKey,
        pathParameters: hasParameters ? best.parameters : undefined,
      };
    },
  };
}

/** Path parameters arrive decoded; a malformed escape is passed through as sent rather than failing the request. */
function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

interface HttpReply {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** What a local page answers: a status, headers and the bytes of the body. */
export type LocalPageReply = HttpReply;

/**
 * A page the local stack serves beside the API (the console): it answers the requests it owns and leaves the rest
 * (undefined) to the route table.
 */
export type LocalPage = (request: {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}) => Promise<LocalPageReply | undefined>;

const jsonMessage = (statusCode: number, message: string): HttpReply => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify({ message })),
});

function isStructuredResult(result: unknown): result is APIGatewayProxyStructuredResultV2 {
  return (
    typeof result === 'object' && result !== null && typeof (result as { statusCode?: unknown }).statusCode === 'number'
  );
}

/** Maps a handler's return value the way payload format 2.0 does: `{statusCode, …}` as given, anything else as JSON. */
export function toHttpReply(result: unknown): HttpReply {
  if (isStructuredResult(result) && !(Number.isInteger(result.statusCode) && (result.statusCode ?? 0) >= 100)) {
    return jsonMessage(500, 'Internal Server Error'); // a malformed integration response
  }
  if (!isStructuredResult(result)) {
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(result ?? null)),
    };
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  const body = result.body ?? '';
  return {
    statusCode: result.statusCode ?? 200,
    headers,
    body: Buffer.from(body, result.isBase64Encoded ? 'base64' : 'utf8'),
  };
}

class BodyTooLarge extends Error {}

function readBody(request: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(request.headers['content-length'] ?? 0) > maxBytes) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        request.removeAllListeners('data');
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** A public JWK set, as an identity provider publishes it. */
export interface JsonWebKeySet {
  keys: readonly object[];
}

/** Where the local token issuer's keys are served (Cognito serves them at `<issuer>/.well-known/jwks.json`). */
export const JWKS_PATH = '/.well-known/jwks.json';

export interface HttpApiOptions {
  router: HttpRouter;
  invoke: Invoke;
  /** The route's authorizer (JWT for `auth: 'operator'`), run after the route matched and before the handler. */
  authorize: AuthorizeHttp;
  /** When set, `GET /.well-known/jwks.json` answers with it: the local issuer's keys, not an API route. */
  jwks?: (() => JsonWebKeySet) | undefined;
  /** Local pages (the console), asked before the route table. */
  pages?: readonly LocalPage[] | undefined;
  log: (line: string) => void;
}

/** The request listener of the HTTP API's server. */
export function httpApiListener(options: HttpApiOptions): http.RequestListener {
  return (request, response) => {
    void serve(options, request, response);
  };
}

async function serve(options: HttpApiOptions, request: http.IncomingMessage, response: http.ServerResponse) {
  const started = Date.now();
  const method = request.method ?? 'GET';
  const [rawPath = '/', rawQueryString = ''] = (request.url ?? '/').split(/\?(.*)/s);
  const requestId = apiGatewayId();
  let body: Buffer;
  try {
    body = await readBody(request, MAX_HTTP_BODY_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLarge)) {
      response.destroy(); // the client went away mid-body
      return;
    }
    // The rest of the body is not read, so the connection cannot be reused.
    response.setHeader('connection', 'close');
    finish(jsonMessage(413, 'Request Entity Too Large'), '-');
    return;
  }
  if (options.jwks && method === 'GET' && rawPath === JWKS_PATH) {
    finish(
      {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(options.jwks())),
      },
      'jwks',
    );
    return;
  }
  for (const page of options.pages ?? []) {
    const reply = await page({ method, path: rawPath, headers: request.headers, body });
    if (reply) {
      finish(reply, 'page');
      return;
    }
  }
  const match = options.router.match(method, rawPath);
  if (!match) {
    finish(jsonMessage(404, 'Not Found'), '-');
    return;
  }
  let authorization: HttpAuthorization;
  try {
    authorization = await options.authorize(match.route, request.headersDistinct);
  } catch (error) {
    options.log(`HTTP authorizer failed: ${error instanceof Error ? error.stack : String(error)}`);
    authorization = { allowed: false, statusCode: 500 };
  }
  if (!authorization.allowed) {
    const refusal =
      authorization.statusCode === 401
        ? jsonMessage(401, 'Unauthorized')
        : jsonMessage(authorization.statusCode, 'Internal Server Error');
    if (authorization.statusCode === 401 && authorization.wwwAuthenticate) {
      refusal.headers['www-authenticate'] = authorization.wwwAuthenticate;
    }
    finish(refusal, match.routeKey);
    return;
  }
  const event = httpApiEvent({
    method,
    rawPath,
    rawQueryString,
    headers: request.headersDistinct as Record<string, string[]>,
    body,
    sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    localPort: request.socket.localPort ?? 0,
    routeKey: match.routeKey,
    pathParameters: match.pathParameters,
    requestId,
    now: new Date(started),
  });
  if (authorization.claims) {
    // API Gateway lists scopes only for routes that require some; none of ours do.
    Object.assign(event.requestContext, { authorizer: { jwt: { claims: authorization.claims, scopes: null } } });
  }
  try {
    finish(toHttpReply(await options.invoke(match.route.entry, event)), match.routeKey);
  } catch (error) {
    options.log(`HTTP ${match.routeKey} handler failed: ${error instanceof Error ? error.stack : String(error)}`);
    finish(jsonMessage(500, 'Internal Server Error'), match.routeKey);
  }

  function finish(reply: HttpReply, routeKey: string): void {
    response.writeHead(reply.statusCode, { ...reply.headers, 'apigw-requestid': requestId });
    response.end(reply.body);
    options.log(`HTTP ${method} ${rawPath} → ${routeKey} ${reply.statusCode} ${Date.now() - started}ms`);
  }
}

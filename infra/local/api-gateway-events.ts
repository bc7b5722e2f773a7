// The events API Gateway hands to Lambda — HTTP API payload format 2.0 and WebSocket CONNECT / MESSAGE / DISCONNECT —
// built with the real shapes, so handlers meet locally the same fields (and the same absences) as in AWS.
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export const LOCAL_ACCOUNT_ID = '000000000000';
export const HTTP_API_ID = 'localhttp0';
export const WEBSOCKET_API_ID = 'localws000';

/** An id in API Gateway's style (`Jf9Ek3EUoAMCEnA=`): connection ids, request ids and message ids all look like this. */
export function apiGatewayId(): string {
  return `${randomBytes(11).toString('base64url')}=`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000`, the CLF timestamp of `requestContext.time` / `requestTime`. */
export function requestTimeOf(date: Date): string {
  const two = (value: number) => String(value).padStart(2, '0');
  return (
    `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
  );
}

/** Content types HTTP APIs pass as text; every other body (form posts and a missing type included) arrives base64. */
export function isTextContent(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    type.startsWith('text/') ||
    /^application\/(json|xml|javascript)$/.test(type) ||
    type.endsWith('+json') ||
    type.endsWith('+xml')
  );
}

export interface HttpRequestInput {
  method: string;
  rawPath: string;
  rawQueryString: string;
  /** Lower-cased names, every value of a repeated header. */
  headers: Record<string, string[]>;
  body: Buffer;
  sourceIp: string;
  localPort: number;
  routeKey: string;
  pathParameters: Record<string, string> | undefined;
  requestId: string;
  now: Date;
}

export function httpApiEvent(input: HttpRequestInput): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, values] of Object.entries(input.headers)) {
    // Payload 2.0 moves cookies to their own array and joins repeated headers with commas.
    if (name === 'cookie') cookies.push(...values.flatMap((value) => value.split(';').map((part) => part.trim())));
    else headers[name] = values.join(',');
  }
  headers['x-forwarded-for'] ??= input.sourceIp;
  headers['x-forwarded-port'] ??= String(input.localPort);
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-amzn-trace-id'] ??=
    `Root=1-${Math.floor(input.now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;

  const query = joinedQuery(input.rawQueryString);
  const domainName = (headers.host ?? 'localhost').replace(/:\d+$/, '');
  const textBody = isTextContent(headers['content-type']);
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath: input.rawPath,
    rawQueryString: input.rawQueryString,
    headers,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: HTTP_API_ID,
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: input.method,
        path: input.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: input.requestId,
      routeKey: input.routeKey,
      stage: '$default',
      time: requestTimeOf(input.now),
      timeEpoch: input.now.getTime(),
    },
    isBase64Encoded: input.body.length > 0 && !textBody,
  };
  // Absent rather than empty, as API Gateway sends them.
  const nonEmptyCookies = cookies.filter(Boolean);
  if (nonEmptyCookies.length) event.cookies = nonEmptyCookies;
  if (query) event.queryStringParameters = query;
  if (input.pathParameters) event.pathParameters = input.pathParameters;
  if (input.body.length) event.body = input.body.toString(textBody ? 'utf8' : 'base64');
  return event;
}

function joinedQuery(rawQueryString: string): Record<string, string> | undefined {
  if (!rawQueryString) return undefined;
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    query[name] = name in query ? `${query[name]},${value}` : value;
  }
  return query;
}

/** Whatever a REQUEST authorizer returned as `context` (plus its principalId); empty while there is no authorizer. */
export type AuthorizerContext = Record<string, unknown>;

export interface WebSocketIdentity {
  sourceIp: string;
  userAgent?: string;
}

export interface WebSocketRequestContext {
  routeKey: string;
  messageId?: string;
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
  extendedRequestId: string;
  requestTime: string;
  messageDirection: 'IN';
  disconnectStatusCode?: number;
  disconnectReason?: string;
  stage: string;
  connectedAt: number;
  requestTimeEpoch: number;
  identity: WebSocketIdentity;
  requestId: string;
  domainName: string;
  connectionId: string;
  apiId: string;
  authorizer: AuthorizerContext;
}

/** APIGatewayProxyWebsocketEventV2 plus the fields the aws-lambda types leave out (headers on connect and so on). */
export interface WebSocketEvent {
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
  requestContext: WebSocketRequestContext;
  body?: string;
  isBase64Encoded: boolean;
}

/** What API Gateway knows about a connection from its handshake; every event of the connection is built from it. */
export interface WebSocketHandshake {
  connectionId: string;
  connectedAt: number;
  stage: string;
  /** The Host header, port included; `domainName` is the same without the port. */
  host: string;
  domainName: string;
  identity: WebSocketIdentity;
  /** Header names as the client sent them (API Gateway keeps their case on $connect); the last value wins. */
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  query: URLSearchParams;
}

function webSocketContext(
  handshake: WebSocketHandshake,
  authorizer: AuthorizerContext,
  routeKey: string,
  eventType: WebSocketRequestContext['eventType'],
  now: Date,
): WebSocketRequestContext {
  const requestId = apiGatewayId();
  return {
    routeKey,
    eventType,
    extendedRequestId: requestId,
    requestTime: requestTimeOf(now),
    messageDirection: 'IN',
    stage: handshake.stage,
    connectedAt: handshake.connectedAt,
    requestTimeEpoch: now.getTime(),
    identity: handshake.identity,
    requestId,
    domainName: handshake.domainName,
    connectionId: handshake.connectionId,
    apiId: WEBSOCKET_API_ID,
    authorizer,
  };
}

export function connectEvent(handshake: WebSocketHandshake, authorizer: AuthorizerContext, now: Date): WebSocketEvent {
  const event: WebSocketEvent = {
    headers: handshake.headers,
    multiValueHeaders: handshake.multiValueHeaders,
    requestContext: webSocketContext(handshake, authorizer, '$connect', 'CONNECT', now),
    isBase64Encoded: false,
  };
  if (handshake.query.size) {
    const single: Record<string, string> = {};
    const multi: Record<string, string[]> = {};
    for (const [name, value] of handshake.query) {
      single[name] = value;
      multi[name] = [...(multi[name] ?? []), value];
    }
    event.queryStringParameters = single;
    event.multiValueQueryStringParameters = multi;
  }
  return event;
}

/** What a WebSocket Lambda REQUEST authorizer receives for a handshake: the $connect request, without `authorizer`. */
export interface ConnectAuthorizerEvent {
  type: 'REQUEST';
  methodArn: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
  stageVariables: Record<string, string>;
  requestContext: Omit<WebSocketRequestContext, 'authorizer'>;
}

/** `arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/$connect`, the resource an authorizer's policy names. */
export function connectMethodArn(stage: string, region: string): string {
  return `arn:aws:execute-api:${region}:${LOCAL_ACCOUNT_ID}:${WEBSOCKET_API_ID}/${stage}/$connect`;
}

export function connectAuthorizerEvent(
  handshake: WebSocketHandshake,
  region: string,
  now: Date,
): ConnectAuthorizerEvent {
  const { requestContext, isBase64Encoded: _, ...request } = connectEvent(handshake, {}, now);
  const { authorizer: __, ...context } = requestContext;
  return {
    type: 'REQUEST',
    methodArn: connectMethodArn(handshake.stage, region),
    ...request,
    stageVariables: {},
    requestContext: context,
  };
}

export function messageEvent(
  handshake: WebSocketHandshake,
  authorizer: AuthorizerContext,
  routeKey: string,
  body: string,
  now: Date,
): WebSocketEvent {
  const requestContext = webSocketContext(handshake, authorizer, routeKey, 'MESSAGE', now);
  return { requestContext: { ...requestContext, messageId: apiGatewayId() }, body, isBase64Encoded: false };
}

export function disconnectEvent(
  handshake: WebSocketHandshake,
  authorizer: AuthorizerContext,
  statusCode: number,
  reason: string,
  now: Date,
): WebSocketEvent {
  // On $disconnect API Gateway sends only a few headers, not the handshake's.
  const headers: Record<string, string> = {
    Host: handshake.host,
    'X-Forwarded-For': handshake.identity.sourceIp,
  };
  return {
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    requestContext: {
      ...webSocketContext(handshake, authorizer, '$disconnect', 'DISCONNECT', now),
      disconnectStatusCode: statusCode,
      disconnectReason: reason,
    },
    isBase64Encoded: false,
  };
}

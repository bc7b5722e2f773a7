// The local API Gateway end to end: real WebSocket clients, the real handlers on DynamoDB Local, the real management
// API client, and inline handlers where a test needs to see events or provoke a failure.
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  allowEveryConnection,
  type ConnectAuthorizerEvent,
  type GatewayOptions,
  type LocalGateway,
  startGateway,
} from '../../infra/local/gateway';
import { type ServedWebSocketRoute, webSocketAuthorizer } from '../../infra/routes';
import {
  findConnection,
  HANDSHAKE_GRACE_SECONDS,
  pushFrame,
  recordConnection,
} from '../../shared/realtime/connections';
import type { Operator } from '../../shared/store/operators';
import { type AuthGateway, seedOperator, startAuthGateway, withToken } from '../support/operator-auth';
import { useTestTable } from '../support/table';
import { connectClient, eventually, recordingHandlers, refusedStatus, type TestClient } from './clients';

const quiet = () => {};

function managementClient(gateway: LocalGateway): ApiGatewayManagementApiClient {
  return new ApiGatewayManagementApiClient({
    region: 'us-east-1',
    endpoint: gateway.managementEndpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

const inlineRoutes: ServedWebSocketRoute[] = [
  { routeKey: '$connect', entry: 'connect', replies: false },
  { routeKey: '$disconnect', entry: 'disconnect', replies: false },
  { routeKey: '$default', entry: 'default', replies: true },
  { routeKey: 'silent', entry: 'silent', replies: false },
  { routeKey: 'slow', entry: 'slow', replies: true },
  { routeKey: 'explode', entry: 'explode', replies: true },
];

/** A gateway with inline WebSocket handlers (no database), closed after each test. */
function inlineGateways() {
  const started: LocalGateway[] = [];
  const clients: TestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(started.splice(0).map((gateway) => gateway.close()));
  });
  return {
    async start(options: GatewayOptions = {}, respond?: Parameters<typeof recordingHandlers>[0]) {
      const handlers = recordingHandlers(respond);
      const gateway = await startGateway({
        webSocketRoutes: inlineRoutes,
        loadHandler: handlers.loadHandler,
        // These tests are about routing, not authentication (that is covered below and in tokens.test.ts).
        authorizeConnect: allowEveryConnection,
        log: quiet,
        ...options,
      });
      started.push(gateway);
      return { gateway, invocations: handlers.invocations };
    },
    async connect(gateway: LocalGateway, query = '') {
      const client = await connectClient(gateway, query);
      clients.push(client);
      return client;
    },
  };
}

describe('R1/R3 the local gateway with the real handlers and DynamoDB Local', () => {
  let gateway: LocalGateway;
  let auth: AuthGateway;
  let operator: Operator;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    await useTestTable();
    auth = await startAuthGateway({ log: quiet });
    gateway = auth.gateway;
    operator = await seedOperator();
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await gateway?.close();
  });

  async function connect(): Promise<TestClient> {
    const client = await connectClient(gateway, withToken(await auth.tokens.mintAccessToken(operator.operatorId)));
    clients.push(client);
    return client;
  }

  it('R1: ping is answered through the management API with what DynamoDB holds for the connection', async () => {
    const client = await connect();
    client.send({ action: 'ping', requestId: 'r1' });
    expect(await client.next()).toMatchObject({
      type: 'reply',
      requestId: 'r1',
      ok: true,
      data: {
        pong: true,
        connectionId: client.connectionId,
        principal: `operator#${operator.operatorId}`,
        connectedAt: expect.any(String),
      },
    });
    expect(await findConnection(client.connectionId)).toMatchObject({ connectionId: client.connectionId });
  });

  it('R1: an unknown action gets an `invalid` error reply and the socket stays open', async () => {
    const client = await connect();
    client.send({ action: 'nope', requestId: 'r2' });
    expect(await client.next()).toMatchObject({
      type: 'reply',
      requestId: 'r2',
      ok: false,
      error: { code: 'invalid' },
    });
    client.send({ action: 'ping', requestId: 'r3' });
    expect(await client.next()).toMatchObject({ requestId: 'r3', ok: true, data: { pong: true } });
  });

  it('R1: a frame that is not JSON gets an `invalid` error reply and the socket stays open', async () => {
    const client = await connect();
    client.send('this is not json');
    expect(await client.next()).toMatchObject({
      type: 'reply',
      requestId: null,
      ok: false,
      error: { code: 'invalid' },
    });
    client.send({ action: 'ping', requestId: 'r4' });
    expect(await client.next()).toMatchObject({ requestId: 'r4', ok: true });
  });

  it('R3: after the client leaves, a post rejects with GoneException and pushFrame reports gone', async () => {
    const client = await connect();
    await client.close();
    await eventually(async () => (await findConnection(client.connectionId)) === undefined); // $disconnect ran
    const management = managementClient(gateway);
    const post = management.send(
      new PostToConnectionCommand({ ConnectionId: client.connectionId, Data: Buffer.from('{}') }),
    );
    await expect(post).rejects.toBeInstanceOf(GoneException);
    management.destroy();
    expect(await pushFrame(client.connectionId, { type: 'hello' })).toBe('gone');
    expect(await findConnection(client.connectionId)).toBeUndefined();
  });

  it('R3: pushFrame to a recorded connection whose socket is gone deletes that record and no other', async () => {
    const live = await connect();
    const staleId = 'StaleConn00000A=';
    await recordConnection({
      connectionId: staleId,
      principal: 'visitor#stale',
      // Past the handshake grace: a younger record may belong to a $connect that is still running.
      connectedAt: new Date(Date.now() - 2 * HANDSHAKE_GRACE_SECONDS * 1000).toISOString(),
    });
    expect(await findConnection(staleId)).toBeDefined();
    expect(await pushFrame(staleId, { type: 'hello' })).toBe('gone');
    expect(await findConnection(staleId)).toBeUndefined();
    expect(await findConnection(live.connectionId)).toBeDefined();
    expect(await pushFrame(live.connectionId, { type: 'hello' })).toBe('delivered');
    expect(await live.next()).toEqual({ type: 'hello' });
  });

  it('Foundation: GET /health with the real handler answers 200 {status: ok}; an unknown path is 404', async () => {
    const health = await fetch(`${gateway.httpUrl}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toContain('application/json');
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const unknown = await fetch(`${gateway.httpUrl}/nope`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: 'Not Found' });
  });
});

describe('Foundation: WebSocket events, route responses and failures (inline handlers)', () => {
  const gateways = inlineGateways();

  it('Foundation: connect, message and disconnect events have API Gateway’s shape and the authorizer context', async () => {
    const { gateway, invocations } = await gateways.start({
      authorizeConnect: async () => ({ allowed: true, context: { principalId: 'op-1', role: 'operator' } }),
    });
    const client = await connectClient(gateway, '?token=abc&tag=a&tag=b');
    client.send({ action: 'silent', requestId: 's1' });
    await eventually(() => invocations.some((call) => call.entry === 'silent'));
    await client.close();
    await eventually(() => invocations.some((call) => call.entry === 'disconnect'));

    const [connect, message, disconnect] = invocations.map((call) => call.event);
    const common = {
      stage: 'local',
      messageDirection: 'IN',
      connectionId: client.connectionId,
      apiId: expect.any(String),
      domainName: '127.0.0.1',
      connectedAt: expect.any(Number),
      requestTimeEpoch: expect.any(Number),
      requestTime: expect.stringMatching(/^\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000$/),
      requestId: expect.stringMatching(/^[\w-]{15}=$/),
      identity: { sourceIp: '127.0.0.1' },
      authorizer: { principalId: 'op-1', role: 'operator' },
    };
    expect(connect).toMatchObject({
      requestContext: { ...common, routeKey: '$connect', eventType: 'CONNECT' },
      queryStringParameters: { token: 'abc', tag: 'b' },
      multiValueQueryStringParameters: { token: ['abc'], tag: ['a', 'b'] },
      isBase64Encoded: false,
    });
    expect(connect?.headers).toMatchObject({ Host: expect.any(String), 'Sec-WebSocket-Version': '13' });
    expect(connect?.multiValueHeaders?.['Sec-WebSocket-Version']).toEqual(['13']);
    expect(message).toMatchObject({
      requestContext: { ...common, routeKey: 'silent', eventType: 'MESSAGE', messageId: expect.any(String) },
      body: JSON.stringify({ action: 'silent', requestId: 's1' }),
      isBase64Encoded: false,
    });
    expect(disconnect).toMatchObject({
      requestContext: { ...common, routeKey: '$disconnect', eventType: 'DISCONNECT', disconnectStatusCode: 1000 },
    });
    expect(invocations).toHaveLength(3);
  });

  it('Foundation: $default replies with its body; a route without replies sends nothing; bad JSON goes to $default', async () => {
    const { gateway, invocations } = await gateways.start();
    const client = await gateways.connect(gateway);
    client.send({ action: 'silent' });
    client.send({ action: 'unrouted' });
    expect(await client.next()).toEqual({ echo: '{"action":"unrouted"}' });
    client.send('{not json');
    expect(await client.next()).toEqual({ echo: '{not json' });
    client.send({ action: '$disconnect' }); // `$` keys are never selected by a message
    expect(await client.next()).toEqual({ echo: '{"action":"$disconnect"}' });
    expect(invocations.map((call) => call.event.requestContext.routeKey)).toEqual([
      '$connect',
      'silent',
      '$default',
      '$default',
      '$default',
    ]);
  });

  it('Foundation: invocations for one connection run concurrently', async () => {
    const { gateway } = await gateways.start({}, async (entry, event) => {
      if (entry === 'slow') await new Promise((resolve) => setTimeout(resolve, 300));
      return { statusCode: 200, body: JSON.stringify({ from: entry, body: event.body }) };
    });
    const client = await gateways.connect(gateway);
    client.send({ action: 'slow' });
    client.send({ action: 'other' });
    expect(await client.next()).toMatchObject({ from: 'default' });
    expect(await client.next()).toMatchObject({ from: 'slow' });
  });

  it('Foundation: a handler that throws yields API Gateway’s internal-error frame and the socket stays open', async () => {
    const { gateway } = await gateways.start({}, (entry, event) => {
      if (entry === 'explode') throw new Error('boom');
      return { statusCode: 200, body: JSON.stringify({ echo: event.body ?? null }) };
    });
    const client = await gateways.connect(gateway);
    client.send({ action: 'explode' });
    expect(await client.next()).toEqual({
      message: 'Internal server error',
      connectionId: client.connectionId,
      requestId: expect.any(String),
    });
    client.send({ action: 'again' });
    expect(await client.next()).toEqual({ echo: '{"action":"again"}' });
  });

  it('Foundation: without a $default route an unmatched action gets the Forbidden frame', async () => {
    const { gateway, invocations } = await gateways.start({
      webSocketRoutes: inlineRoutes.filter((route) => route.routeKey !== '$default'),
    });
    const client = await gateways.connect(gateway);
    client.send({ action: 'nope' });
    expect(await client.next()).toEqual({
      message: 'Forbidden',
      connectionId: client.connectionId,
      requestId: expect.any(String),
    });
    expect(invocations.map((call) => call.entry)).toEqual(['connect']);
  });

  it('Foundation: a binary frame is refused like API Gateway does, closing with 1003', async () => {
    const { gateway, invocations } = await gateways.start();
    const client = await gateways.connect(gateway);
    client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await client.closed()).code).toBe(1003);
    await eventually(() => invocations.some((call) => call.entry === 'disconnect'));
    expect(invocations.map((call) => call.entry)).toEqual(['connect', 'disconnect']);
  });

  it.each([401, 403])('Foundation: $connect answering %i refuses the upgrade with that status', async (status) => {
    const { gateway, invocations } = await gateways.start({}, (entry) =>
      entry === 'connect' ? { statusCode: status } : { statusCode: 200 },
    );
    expect(await refusedStatus(gateway.wsUrl)).toBe(status);
    expect(gateway.connectionIds()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(invocations.map((call) => call.entry)).toEqual(['connect']);
  });

  it('Foundation: a refusing authorizer step answers 403 and never invokes $connect', async () => {
    const { gateway, invocations } = await gateways.start({
      authorizeConnect: async () => ({ allowed: false, statusCode: 403 }),
    });
    expect(await refusedStatus(gateway.wsUrl)).toBe(403);
    expect(invocations).toEqual([]);
  });

  it('Foundation: a handshake on another stage is refused', async () => {
    const { gateway } = await gateways.start();
    expect(await refusedStatus(gateway.wsUrl.replace(/\/local$/, '/prod'))).toBe(403);
  });
});

describe('Foundation: the $connect REQUEST authorizer step (the route table’s authorizer entry, inline)', () => {
  const started: LocalGateway[] = [];
  const clients: TestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(started.splice(0).map((gateway) => gateway.close()));
  });

  /** A gateway whose authorizer entry answers with `authorize`; every other handler answers 200. */
  async function start(authorize: (event: ConnectAuthorizerEvent) => unknown) {
    const handlers = recordingHandlers((entry, event) =>
      entry === webSocketAuthorizer.entry
        ? authorize(event as unknown as ConnectAuthorizerEvent)
        : { statusCode: 200, body: JSON.stringify({ echo: event.body ?? null }) },
    );
    const gateway = await startGateway({
      webSocketRoutes: inlineRoutes,
      loadHandler: handlers.loadHandler,
      log: quiet,
    });
    started.push(gateway);
    return { gateway, invocations: handlers.invocations };
  }

  const policy = (effect: 'Allow' | 'Deny', resource: string, context: Record<string, unknown> = {}) => ({
    principalId: 'operator#op_1',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
    context,
  });

  it('Foundation: a handshake without the `token` identity source is refused with 401 and invokes nothing', async () => {
    const { gateway, invocations } = await start((event) => policy('Allow', event.methodArn));
    expect(await refusedStatus(gateway.wsUrl)).toBe(401);
    expect(await refusedStatus(`${gateway.wsUrl}?token=`)).toBe(401);
    expect(invocations).toEqual([]);
  });

  it('Foundation: the authorizer gets a REQUEST event; its Allow context reaches every event as authorizer', async () => {
    const context = { principal: 'operator#op_1', operatorId: 'op_1', level: 3, staff: false };
    const { gateway, invocations } = await start((event) => policy('Allow', event.methodArn, context));
    const client = await connectClient(gateway, '?token=abc&x=1');
    clients.push(client);
    client.send({ action: 'silent' });
    await eventually(() => invocations.some((call) => call.entry === 'silent'));

    const [authorizer, connect, message] = invocations;
    expect(authorizer?.entry).toBe(webSocketAuthorizer.entry);
    const request = authorizer?.event as unknown as ConnectAuthorizerEvent;
    expect(request).toMatchObject({
      type: 'REQUEST',
      methodArn: expect.stringMatching(/^arn:aws:execute-api:us-east-1:000000000000:\w+\/local\/\$connect$/),
      queryStringParameters: { token: 'abc', x: '1' },
      headers: { 'Sec-WebSocket-Version': '13' },
      stageVariables: {},
      requestContext: { routeKey: '$connect', eventType: 'CONNECT', connectionId: client.connectionId },
    });
    expect(request.requestContext).not.toHaveProperty('authorizer');
    const expected = { ...context, principalId: 'operator#op_1', integrationLatency: expect.any(Number) };
    expect(connect?.event.requestContext.authorizer).toEqual(expected);
    expect(message?.event.requestContext.authorizer).toEqual(expected);
  });

  it.each([
    ['a Deny', 403, (event: ConnectAuthorizerEvent) => policy('Deny', event.methodArn)],
    ['an Allow for another route', 403, () => policy('Allow', 'arn:aws:execute-api:us-east-1:1:other/local/$connect')],
    ['a thrown `Unauthorized`', 401, () => Promise.reject(new Error('Unauthorized'))],
    ['any other failure', 500, () => Promise.reject(new Error('boom'))],
    ['a result that is no policy', 500, () => ({ statusCode: 200 })],
    ['an object in the context', 500, (event: ConnectAuthorizerEvent) => policy('Allow', event.methodArn, { a: {} })],
  ])('Foundation: %s answers %i and $connect is never invoked', async (_what, status, authorize) => {
    const { gateway, invocations } = await start(authorize);
    expect(await refusedStatus(`${gateway.wsUrl}?token=abc`)).toBe(status);
    expect(invocations.map((call) => call.entry)).toEqual([webSocketAuthorizer.entry]);
  });
});

describe('Foundation: the @connections management API through the real SDK client', () => {
  const gateways = inlineGateways();

  it('Foundation: GetConnection, PostToConnection and DeleteConnection behave as in AWS', async () => {
    const { gateway, invocations } = await gateways.start({ limits: { maxMessageBytes: 1024 } });
    const client = await gateways.connect(gateway);
    const management = managementClient(gateway);
    try {
      const info = await management.send(new GetConnectionCommand({ ConnectionId: client.connectionId }));
      expect(info.ConnectedAt).toBeInstanceOf(Date);
      expect(info.LastActiveAt).toBeInstanceOf(Date);
      expect(info.Identity?.SourceIp).toBe('127.0.0.1');

      await management.send(
        new PostToConnectionCommand({ ConnectionId: client.connectionId, Data: Buffer.from('{"pushed":true}') }),
      );
      expect(await client.next()).toEqual({ pushed: true });

      const tooLarge = management.send(
        new PostToConnectionCommand({ ConnectionId: client.connectionId, Data: Buffer.alloc(1025, 'x') }),
      );
      await expect(tooLarge).rejects.toBeInstanceOf(PayloadTooLargeException);

      await management.send(new DeleteConnectionCommand({ ConnectionId: client.connectionId }));
      await client.closed();
      await eventually(() => invocations.some((call) => call.entry === 'disconnect'));
      const again = management.send(new GetConnectionCommand({ ConnectionId: client.connectionId }));
      await expect(again).rejects.toBeInstanceOf(GoneException);
    } finally {
      management.destroy();
    }
  });

  it('Foundation: an unsigned management request is refused with 403', async () => {
    const { gateway } = await gateways.start();
    const client = await gateways.connect(gateway);
    const response = await fetch(
      `${gateway.managementEndpoint}/@connections/${encodeURIComponent(client.connectionId)}`,
      {
        method: 'POST',
        body: 'x',
      },
    );
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
  });
});

describe('Foundation: API Gateway’s WebSocket limits (shrunk for the test)', () => {
  const gateways = inlineGateways();

  it('Foundation: a message over maxMessageBytes, even in small frames, closes with 1009', async () => {
    const { gateway, invocations } = await gateways.start({ limits: { maxMessageBytes: 1024, maxFrameBytes: 256 } });
    const fits = await gateways.connect(gateway);
    for (let index = 0; index < 4; index++) fits.socket.send('x'.repeat(200), { fin: false });
    fits.socket.send('x'.repeat(200), { fin: true });
    expect(await fits.next()).toEqual({ echo: 'x'.repeat(1000) });

    const tooLong = await gateways.connect(gateway);
    for (let index = 0; index < 6; index++) tooLong.socket.send('x'.repeat(200), { fin: index === 5 });
    expect((await tooLong.closed()).code).toBe(1009);
    const disconnect = await eventually(() => invocations.find((call) => call.entry === 'disconnect'));
    expect(disconnect.event.requestContext.disconnectStatusCode).toBe(1009);
    expect(invocations.filter((call) => call.entry === 'default')).toHaveLength(1);
  });

  it('Foundation: a single frame over maxFrameBytes closes with 1009 and is never delivered', async () => {
    const { gateway, invocations } = await gateways.start({ limits: { maxMessageBytes: 1024, maxFrameBytes: 256 } });
    const client = await gateways.connect(gateway);
    client.send('y'.repeat(256));
    expect(await client.next()).toEqual({ echo: 'y'.repeat(256) });
    client.send('z'.repeat(257));
    expect((await client.closed()).code).toBe(1009);
    await eventually(() => invocations.some((call) => call.entry === 'disconnect'));
    expect(invocations.map((call) => call.entry)).toEqual(['connect', 'default', 'disconnect']);
  });

  it('Foundation: an idle connection is closed with 1001 Going away and $disconnect runs', async () => {
    const { gateway, invocations } = await gateways.start({ limits: { idleTimeoutMs: 300 } });
    const client = await gateways.connect(gateway);
    const started = Date.now();
    expect(await client.closed()).toEqual({ code: 1001, reason: 'Going away' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const disconnect = await eventually(() => invocations.find((call) => call.entry === 'disconnect'));
    expect(disconnect.event.requestContext).toMatchObject({
      disconnectStatusCode: 1001,
      disconnectReason: 'Going away',
    });
  });

  it('Foundation: messages in either direction keep a connection from going idle', async () => {
    const { gateway } = await gateways.start({ limits: { idleTimeoutMs: 500 } });
    const talking = await gateways.connect(gateway);
    const pushedTo = await gateways.connect(gateway);
    const management = managementClient(gateway);
    try {
      for (let tick = 0; tick < 8; tick++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        talking.send({ action: 'silent' });
        await management.send(
          new PostToConnectionCommand({ ConnectionId: pushedTo.connectionId, Data: Buffer.from('{}') }),
        );
      }
      expect(gateway.connectionIds()).toEqual(expect.arrayContaining([talking.connectionId, pushedTo.connectionId]));
    } finally {
      management.destroy();
    }
  });

  it('Foundation: a connection is closed after maxConnectionMs even while active', async () => {
    const { gateway } = await gateways.start({ limits: { maxConnectionMs: 400 } });
    const client = await gateways.connect(gateway);
    const keepTalking = setInterval(() => client.send({ action: 'silent' }), 50);
    try {
      expect((await client.closed()).code).toBe(1001);
    } finally {
      clearInterval(keepTalking);
    }
  });

  it('Foundation: close() closes open sockets with 1001 and runs their $disconnect', async () => {
    const { gateway, invocations } = await gateways.start();
    const client = await connectClient(gateway);
    await gateway.close();
    expect((await client.closed()).code).toBe(1001);
    expect(invocations.map((call) => call.entry)).toEqual(['connect', 'disconnect']);
  });
});

describe('Foundation: the HTTP API (payload format 2.0)', () => {
  let gateway: LocalGateway;
  const seen: APIGatewayProxyEventV2[] = [];

  beforeAll(async () => {
    gateway = await startGateway({
      log: quiet,
      httpRoutes: [
        { method: 'GET', path: '/tickets/{ticketId}', entry: 'ticket', auth: 'none' },
        { method: 'POST', path: '/webhooks/{channel}', entry: 'webhook', auth: 'none' },
        { method: 'GET', path: '/bare', entry: 'bare', auth: 'none' },
        { method: 'GET', path: '/broken', entry: 'broken', auth: 'none' },
        { method: 'GET', path: '/files/{proxy+}', entry: 'files', auth: 'none' },
        { method: 'GET', path: '/files/index', entry: 'index', auth: 'none' },
      ],
      webSocketRoutes: [],
      loadHandler: async (entry) => async (event) => {
        seen.push(event as APIGatewayProxyEventV2);
        if (entry === 'broken') throw new Error('boom');
        if (entry === 'bare') return { hello: 'world' };
        return { statusCode: 201, headers: { 'X-Entry': entry }, cookies: ['a=1', 'b=2'], body: 'made' };
      },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('Foundation: the event carries version 2.0, routeKey, path and query parameters, cookies and http details', async () => {
    const response = await fetch(`${gateway.httpUrl}/tickets/T%2D1?x=1&x=2&y=z`, {
      headers: { cookie: 'session=s1; theme=dark', 'X-Custom': 'Yes' },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-entry')).toBe('ticket');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(response.headers.get('apigw-requestid')).toBeTruthy();
    expect(await response.text()).toBe('made');
    const event = seen.at(-1);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /tickets/{ticketId}',
      rawPath: '/tickets/T%2D1',
      rawQueryString: 'x=1&x=2&y=z',
      cookies: ['session=s1', 'theme=dark'],
      queryStringParameters: { x: '1,2', y: 'z' },
      pathParameters: { ticketId: 'T-1' },
      isBase64Encoded: false,
      requestContext: {
        routeKey: 'GET /tickets/{ticketId}',
        stage: '$default',
        http: { method: 'GET', path: '/tickets/T%2D1', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
        timeEpoch: expect.any(Number),
      },
    });
    expect(event?.headers['x-custom']).toBe('Yes');
    expect(event?.headers.cookie).toBeUndefined();
    expect(event?.body).toBeUndefined();
  });

  it('Foundation: text bodies arrive as text, other content types base64-encoded', async () => {
    await fetch(`${gateway.httpUrl}/webhooks/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(seen.at(-1)).toMatchObject({ body: '{"a":1}', isBase64Encoded: false, pathParameters: { channel: 'sms' } });
    await fetch(`${gateway.httpUrl}/webhooks/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'From=%2B1555&Body=hi',
    });
    expect(seen.at(-1)).toMatchObject({
      body: Buffer.from('From=%2B1555&Body=hi').toString('base64'),
      isBase64Encoded: true,
    });
  });

  it('Foundation: a bare result is 200 JSON; a throw is 500; no route or wrong method is 404', async () => {
    const bare = await fetch(`${gateway.httpUrl}/bare`);
    expect(bare.status).toBe(200);
    expect(bare.headers.get('content-type')).toBe('application/json');
    expect(await bare.json()).toEqual({ hello: 'world' });
    const broken = await fetch(`${gateway.httpUrl}/broken`);
    expect(broken.status).toBe(500);
    expect(await broken.json()).toEqual({ message: 'Internal Server Error' });
    const wrongMethod = await fetch(`${gateway.httpUrl}/bare`, { method: 'POST' });
    expect(wrongMethod.status).toBe(404);
    expect(await wrongMethod.json()).toEqual({ message: 'Not Found' });
  });

  it('Foundation: a literal route beats a greedy one, and {proxy+} takes the rest of the path', async () => {
    await fetch(`${gateway.httpUrl}/files/index`);
    expect(seen.at(-1)?.routeKey).toBe('GET /files/index');
    await fetch(`${gateway.httpUrl}/files/a/b.txt`);
    expect(seen.at(-1)).toMatchObject({ routeKey: 'GET /files/{proxy+}', pathParameters: { proxy: 'a/b.txt' } });
    expect((await fetch(`${gateway.httpUrl}/files/`)).status).toBe(404);
  });

  it('Foundation: a request body over 10 MB is refused with 413', async () => {
    const response = await fetch(`${gateway.httpUrl}/webhooks/big`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(10 * 1024 * 1024 + 1, 'a'),
    });
    expect(response.status).toBe(413);
  });
});

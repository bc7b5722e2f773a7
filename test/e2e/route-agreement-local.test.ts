// The local gateway serves exactly the route table: every HTTP and WebSocket route reaches its entry, nothing else does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowEveryConnection, allowEveryRequest, type LocalGateway, startGateway } from '../../infra/local/gateway';
import { createHttpRouter } from '../../infra/local/http-api';
import { importEntryHandler } from '../../infra/local/lambda-runtime';
import { type HttpMethod, httpRoutes, webSocketAuthorizer, webSocketRoutes } from '../../infra/routes';
import { connectClient, eventually, recordingHandlers } from './clients';

const METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** A concrete path for a route template: each `{param}` / `{proxy+}` filled with a sample value. */
function samplePath(template: string): string {
  return template.replace(/\{[^}]+\+\}/g, 'sample/rest').replace(/\{[^}]+\}/g, 'sample');
}

describe('Foundation: the local gateway serves exactly the route table', () => {
  const { loadHandler, invocations } = recordingHandlers((entry) => ({
    statusCode: 200,
    body: JSON.stringify({ entry }),
  }));
  let gateway: LocalGateway;

  beforeAll(async () => {
    // Routing only: the authorizers are exercised in gateway.test.ts and tokens.test.ts.
    gateway = await startGateway({
      loadHandler,
      authorizeConnect: allowEveryConnection,
      authorizeHttp: allowEveryRequest,
      log: () => {},
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('Foundation: the routers it built list the table’s routes, no more, no fewer', () => {
    expect(gateway.routes()).toEqual({
      http: httpRoutes.map((route) => `${route.method} ${route.path}`),
      webSocket: webSocketRoutes.map((route) => route.routeKey),
    });
  });

  it('Foundation: every handler entry of the table exists and exports a handler', async () => {
    for (const route of [...httpRoutes, ...webSocketRoutes, webSocketAuthorizer]) {
      expect(typeof (await importEntryHandler(route.entry)), route.entry).toBe('function');
    }
  });

  it('Foundation: every HTTP route reaches its entry; other methods and paths are 404', async () => {
    for (const route of httpRoutes) {
      const response = await fetch(`${gateway.httpUrl}${samplePath(route.path)}`, { method: route.method });
      expect(response.status, `${route.method} ${route.path}`).toBe(200);
      expect(await response.json()).toEqual({ entry: route.entry });
      for (const method of METHODS) {
        if (httpRoutes.some((other) => other.method === method && other.path === route.path)) continue;
        const other = await fetch(`${gateway.httpUrl}${samplePath(route.path)}`, { method });
        expect(other.status, `${method} ${route.path}`).toBe(404);
      }
      // One level deeper is 404 unless the table has a route there too (`/admin/operators` → `/{operatorId}`).
      const deeperPath = `${samplePath(route.path)}/extra`;
      const deeperRoute = createHttpRouter(httpRoutes).match(route.method, deeperPath)?.route;
      const deeper = await fetch(`${gateway.httpUrl}${deeperPath}`, { method: route.method });
      expect(deeper.status, `${route.method} ${route.path}/extra`).toBe(deeperRoute ? 200 : 404);
    }
    expect((await fetch(`${gateway.httpUrl}/not-a-route`)).status).toBe(404);
  });

  it('Foundation: every WebSocket route reaches its entry; anything else lands on $default', async () => {
    const entryOf = (routeKey: string) => webSocketRoutes.find((route) => route.routeKey === routeKey)?.entry;
    invocations.length = 0;
    const client = await connectClient(gateway);
    const actions = webSocketRoutes.filter((route) => !route.routeKey.startsWith('$')).map((route) => route.routeKey);
    const unroutable = ['not-a-route', '$connect', '$disconnect', '$default'];
    for (const action of [...actions, ...unroutable]) client.send({ action, requestId: action });
    client.send('not json');
    await client.close();
    const expected = [
      ['$connect', entryOf('$connect')],
      ...actions.map((action) => [action, entryOf(action)]),
      ...[...unroutable, 'not json'].map(() => ['$default', entryOf('$default')]),
      ['$disconnect', entryOf('$disconnect')],
    ];
    await eventually(() => invocations.length >= expected.length);
    const seen = invocations.map((call) => [call.event.requestContext.routeKey, call.entry]);
    // Messages are handled concurrently, so only connect-first and disconnect-last are ordered.
    expect(seen[0]).toEqual(expected[0]);
    expect(seen.at(-1)).toEqual(expected.at(-1));
    expect([...seen].sort()).toEqual([...expected].sort());
  });
});

// The local API Gateway: serves the route table's HTTP API on one port and its WebSocket API (with the @connections
// management endpoint) on another, invoking the real handlers in-process with real-shaped events.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  httpRoutes,
  type ServedHttpRoute,
  type ServedWebSocketRoute,
  webSocketAuthorizer,
  webSocketRoutes,
} from '../routes';
import { type AuthorizeHttp, lambdaConnectAuthorizer, operatorJwtAuthorizer } from './authorizers';
import { createHttpRouter, httpApiListener, type JsonWebKeySet, type LocalPage } from './http-api';
import { createInvoker, type Invoke, type LoadHandler } from './lambda-runtime';
import { managementListener } from './management-api';
import { API_GATEWAY_LIMITS, type AuthorizeConnect, createWebSocketApi, type GatewayLimits } from './websocket-api';

export type { ConnectAuthorizerEvent, WebSocketEvent, WebSocketHandshake } from './api-gateway-events';
export { type AuthorizeHttp, allowEveryRequest, type HttpAuthorization } from './authorizers';
export type { JsonWebKeySet } from './http-api';
export type { Invoke, LambdaHandler, LoadHandler } from './lambda-runtime';
export {
  API_GATEWAY_LIMITS,
  type AuthorizeConnect,
  allowEveryConnection,
  type ConnectAuthorization,
  type GatewayLimits,
} from './websocket-api';

/** `route.request.querystring.token` → `token`: the query parameter the WebSocket authorizer reads. */
const tokenParameter = webSocketAuthorizer.identitySource.replace('route.request.querystring.', '');

export interface GatewayOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  httpPort?: number;
  /** 0 (the default) picks a free port. */
  wsPort?: number;
  stage?: string;
  limits?: Partial<GatewayLimits>;
  /** Defaults to importing `<repo>/<entry>` and taking its `handler` export. */
  loadHandler?: LoadHandler;
  /** The REQUEST authorizer step before $connect; defaults to invoking the route table's `webSocketAuthorizer`. */
  authorizeConnect?: AuthorizeConnect;
  /** The HTTP API's authorizer; defaults to the JWT authorizer (verifyOperatorToken) on `auth: 'operator'` routes. */
  authorizeHttp?: AuthorizeHttp;
  /** The local token issuer's public keys, served at `GET /.well-known/jwks.json` on the HTTP port. */
  jwks?: () => JsonWebKeySet;
  /** Pages served on the HTTP port before the route table (the console). */
  pages?: readonly LocalPage[];
  /** Defaults to the route table; tests pass their own. */
  httpRoutes?: readonly ServedHttpRoute[];
  webSocketRoutes?: readonly ServedWebSocketRoute[];
  log?: (line: string) => void;
}

export interface GatewayRoutes {
  /** `METHOD /path` route keys. */
  http: readonly string[];
  /** WebSocket route keys (`$connect`, `$disconnect`, `$default`, actions). */
  webSocket: readonly string[];
}

export interface LocalGateway {
  /** Base URL of the HTTP API (`$default` stage, so no stage in the path). */
  httpUrl: string;
  /** `ws://host:port/<stage>`, what clients connect to. */
  wsUrl: string;
  /** `http://host:port/<stage>`: the ApiGatewayManagementApiClient endpoint (WS_MANAGEMENT_ENDPOINT). */
  managementEndpoint: string;
  /** The routes the gateway actually serves, read back from the routers it built. */
  routes(): GatewayRoutes;
  connectionIds(): string[];
  /** Invokes an entry's handler with the gateway's loaded handlers (the local scheduler shares them). */
  invoke: Invoke;
  /** Closes every connection with 1001 (running their $disconnect) and both servers. */
  close(): Promise<void>;
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startGateway(options: GatewayOptions = {}): Promise<LocalGateway> {
  const host = options.host ?? '127.0.0.1';
  const stage = options.stage ?? 'local';
  const limits: GatewayLimits = { ...API_GATEWAY_LIMITS, ...options.limits };
  const log = options.log ?? console.log;
  const invoke = createInvoker(options.loadHandler);

  const router = createHttpRouter(options.httpRoutes ?? httpRoutes);
  const authorize = options.authorizeHttp ?? operatorJwtAuthorizer(undefined, log);
  const httpServer = http.createServer(
    httpApiListener({ router, invoke, authorize, jwks: options.jwks, pages: options.pages, log }),
  );

  const webSocketApi = createWebSocketApi({
    routes: options.webSocketRoutes ?? webSocketRoutes,
    invoke,
    stage,
    limits,
    authorizeConnect:
      options.authorizeConnect ??
      lambdaConnectAuthorizer({ invoke, entry: webSocketAuthorizer.entry, tokenParameter, log }),
    log,
  });
  const webSocketServer = http.createServer(
    managementListener({ stage, find: webSocketApi.find, maxMessageBytes: limits.maxMessageBytes, log }),
  );
  webSocketServer.on('upgrade', webSocketApi.upgrade);

  let httpPort: number;
  let wsPort: number;
  try {
    httpPort = await listen(httpServer, options.httpPort ?? 0, host);
    wsPort = await listen(webSocketServer, options.wsPort ?? 0, host);
  } catch (error) {
    await Promise.all([closeServer(httpServer), closeServer(webSocketServer)]);
    throw error;
  }

  return {
    httpUrl: `http://${host}:${httpPort}`,
    wsUrl: `ws://${host}:${wsPort}/${stage}`,
    managementEndpoint: `http://${host}:${wsPort}/${stage}`,
    routes: () => ({ http: router.routeKeys, webSocket: webSocketApi.routeKeys }),
    connectionIds: webSocketApi.connectionIds,
    invoke,
    async close() {
      await webSocketApi.close();
      await Promise.all([closeServer(httpServer), closeServer(webSocketServer)]);
    },
  };
}

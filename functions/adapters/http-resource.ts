// One Lambda per resource: picks the route's handler by API Gateway's routeKey (`GET /admin/groups/{groupId}`) and reads
// its path parameters, so a resource's routes share one entry without a hand-written router.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { invalid, notFound, toErrorBody } from '../../shared/domain/errors';
import { type AdminResourceName, adminResources } from '../routes/admin';
import { observe } from './observe';

export type RouteHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export function byRouteKey(routes: Readonly<Record<string, RouteHandler>>): RouteHandler {
  return observe(async (event, context) => {
    const route = routes[event.routeKey];
    if (route) return route(event, context);
    // Only a route table that disagrees with this module gets here.
    const { status, body } = toErrorBody(notFound(`No handler for ${event.routeKey}.`));
    return {
      statusCode: status,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ error: body }),
    };
  });
}

/**
 * An admin resource's router: functions/routes/admin.ts names its route keys, the handler module one implementation
 * per use case name, and the types require exactly the names listed there.
 */
export function adminResource<R extends AdminResourceName>(
  resource: R,
  handlers: Readonly<Record<keyof (typeof adminResources)[R]['routes'], RouteHandler>>,
): RouteHandler {
  const routes: Readonly<Record<string, string>> = adminResources[resource].routes;
  const byName = handlers as Readonly<Record<string, RouteHandler>>;
  return byRouteKey(
    Object.fromEntries(
      Object.entries(routes).map(([useCase, routeKey]) => [routeKey, byName[useCase] as RouteHandler]),
    ),
  );
}

/** Ids are short; a longer value names nothing and, in a key, is refused by DynamoDB (a 500 instead of a 400). */
const MAX_PATH_ID_LENGTH = 200;

export function pathParameter(parameters: Record<string, string | undefined>, name: string): string {
  const value = parameters[name];
  if (!value) throw invalid(`${name}: is missing from the path`);
  if (value.length > MAX_PATH_ID_LENGTH) throw invalid(`${name}: is not an id`);
  return value;
}

/**
 * The URL this request reached the HTTP API at (scheme, host, stage): what a provider must call back. Behind API
 * Gateway it is https and the `$default` stage has no path; the local gateway says http and keeps the port in Host.
 */
export function apiBaseUrlOf(event: APIGatewayProxyEventV2): string {
  const headers = event.headers ?? {};
  const proto = headers['x-forwarded-proto'] === 'http' ? 'http' : 'https';
  const host = headers.host ?? event.requestContext.domainName;
  const stage = event.requestContext.stage;
  return `${proto}://${host}${stage && stage !== '$default' ? `/${stage}` : ''}`;
}

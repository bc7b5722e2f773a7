// The operator protocol over HTTP, for integrations without a WebSocket: functions/routes/operator-http.ts names each
// route's action (shared/use-cases/operator-actions.ts) and where its input comes from (path, query, JSON body).
import * as z from 'zod';
import { invalid } from '../../shared/domain/errors';
import { runOperatorAction } from '../../shared/use-cases/operator-actions';
import { type HttpRequest, httpRoute, isEmptyObject } from '../adapters/http';
import { byRouteKey } from '../adapters/http-resource';
import { type ActionInput, operatorHttpActions } from '../routes/operator-http';

const anyBody = z.union([z.record(z.string(), z.unknown()), z.undefined()], {
  error: 'The request body must be a JSON object.',
});

function inputOf(
  request: HttpRequest<Record<string, unknown> | undefined>,
  source: ActionInput,
): Record<string, unknown> {
  const fromPath = Object.fromEntries(Object.entries(request.pathParameters).filter(([, v]) => v !== undefined));
  if (source === 'body') return { ...(request.body ?? {}), ...fromPath };
  if (request.body !== undefined && !isEmptyObject(request.body)) throw invalid('This route takes no request body.');
  return source === 'query' ? { ...request.query, ...fromPath } : fromPath;
}

export const handler = byRouteKey(
  Object.fromEntries(
    Object.entries(operatorHttpActions).map(([routeKey, [action, source, status]]) => [
      routeKey,
      httpRoute(anyBody, async (request) => ({
        status: status ?? 200,
        body: await runOperatorAction(request.actor, action, inputOf(request, source), new Date()),
      })),
    ]),
  ),
);

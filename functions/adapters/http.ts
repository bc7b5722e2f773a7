// Primary adapter for HTTP API routes: parses and validates the request, runs the use case, maps errors to statuses.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import type { OperatorActor } from '../../shared/domain/actors';
import { describeIssues, invalid, toErrorBody } from '../../shared/domain/errors';
import { requireAdmin } from '../../shared/domain/policy';
import { errorFields, log, noteOutcome } from '../../shared/platform/log';
import { resolveOperatorActor } from '../../shared/store/operators';
import { observe } from './observe';

export interface HttpRequest<B> {
  body: B;
  /** The calling operator, resolved from the verified token's `username` claim (routes with auth 'operator'). */
  actor: OperatorActor;
  pathParameters: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  event: APIGatewayProxyEventV2;
}

export interface HttpResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A body sent as is (CSV…) instead of JSON; `headers` name its content type. */
  text?: string;
}

/** X2: no answer of this API may be kept by a cache — many carry secrets or tokens, the rest private data. */
const jsonHeaders = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

type JwtEvent = APIGatewayProxyEventV2 & {
  requestContext: { authorizer?: { jwt?: { claims?: Record<string, string | number | boolean | string[]> } } };
};

export interface HttpRouteOptions {
  /** 'operator': the route's JWT authorizer verified the token; the operator is loaded and must be enabled. */
  auth: 'operator' | 'none';
  /** Admin routes refuse anyone else before even reading the body: a non-admin always gets 403, never 400. */
  adminOnly?: boolean;
}

/** An operator route: `request.actor` is the calling operator. */
export function httpRoute<S extends z.ZodType>(
  schema: S,
  run: (request: HttpRequest<z.infer<S>>) => Promise<HttpResult>,
): ReturnType<typeof buildRoute>;
/** A public route (health, webhooks, widget sessions): no actor. */
export function httpRoute<S extends z.ZodType>(
  schema: S,
  run: (request: Omit<HttpRequest<z.infer<S>>, 'actor'>) => Promise<HttpResult>,
  options: { auth: 'none' },
): ReturnType<typeof buildRoute>;
export function httpRoute<S extends z.ZodType>(
  schema: S,
  run: (request: HttpRequest<z.infer<S>>) => Promise<HttpResult>,
  options: HttpRouteOptions = { auth: 'operator' },
) {
  return buildRoute(schema, run, options);
}

/** An admin API route (O4): operator-authenticated, admin-only before anything else. */
export function adminRoute<S extends z.ZodType>(
  schema: S,
  run: (request: HttpRequest<z.infer<S>>) => Promise<HttpResult>,
) {
  return buildRoute(schema, run, { auth: 'operator', adminOnly: true });
}

function buildRoute<S extends z.ZodType>(
  schema: S,
  run: (request: HttpRequest<z.infer<S>>) => Promise<HttpResult>,
  options: HttpRouteOptions,
) {
  const handler = middy<JwtEvent, APIGatewayProxyStructuredResultV2>().handler(async (event) => {
    try {
      const actor =
        options.auth === 'operator'
          ? await resolveOperatorActor(stringClaim(event.requestContext.authorizer?.jwt?.claims?.username))
          : (undefined as unknown as OperatorActor);
      if (options.adminOnly) requireAdmin(actor);
      const body = parseBody(event, schema);
      const result = await run({
        actor,
        body,
        pathParameters: event.pathParameters ?? {},
        query: event.queryStringParameters ?? {},
        headers: event.headers ?? {},
        event,
      });
      return {
        statusCode: result.status ?? 200,
        headers: { ...jsonHeaders, ...result.headers },
        body: result.text ?? (result.body === undefined ? '' : JSON.stringify(result.body)),
      };
    } catch (error) {
      return errorResult(error);
    }
  });
  return observe(handler);
}

export interface RawHttpResult {
  status: number;
  body?: string;
  contentType?: string;
}

/**
 * A public route that needs the request exactly as sent — channel webhooks verify signatures over the raw bytes, so
 * nothing is parsed before the use case has checked them. Errors map like every other route's.
 */
export function rawHttpRoute(run: (event: APIGatewayProxyEventV2) => Promise<RawHttpResult>) {
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>().handler(async (event) => {
    try {
      const result = await run(event);
      return {
        statusCode: result.status,
        headers: { ...jsonHeaders, 'content-type': result.contentType ?? jsonHeaders['content-type'] },
        body: result.body ?? '',
      };
    } catch (error) {
      return errorResult(error);
    }
  });
  return observe(handler);
}

function errorResult(error: unknown): APIGatewayProxyStructuredResultV2 {
  const { status, body } = toErrorBody(error);
  noteOutcome({ errorCode: body.code });
  if (status >= 500) log.error('request failed', errorFields(error));
  const retryAfter = body.details?.retryAfterSeconds;
  // R5: a refusal for speed says when to come back, in the header HTTP clients already honour.
  const headers = typeof retryAfter === 'number' ? { ...jsonHeaders, 'retry-after': String(retryAfter) } : jsonHeaders;
  return { statusCode: status, headers, body: JSON.stringify({ error: body }) };
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function parseBody<S extends z.ZodType>(event: APIGatewayProxyEventV2, schema: S): z.infer<S> {
  let json: unknown;
  if (event.body) {
    const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    try {
      json = JSON.parse(raw);
    } catch {
      throw invalid('The request body is not valid JSON.');
    }
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalid(describeIssues(parsed.error.issues));
  return parsed.data;
}

/** Routes without input accept no body or an empty JSON object (many HTTP clients send `{}` with every POST). */
export const noBody = z
  .unknown()
  .refine((body) => body === undefined || isEmptyObject(body), 'This route takes no request body.')
  .transform(() => undefined);

export function isEmptyObject(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0;
}

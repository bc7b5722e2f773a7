// Primary adapter for HTTP API routes: parses and validates the request, runs the use case, maps errors to statuses.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { describeIssues, invalid, toErrorBody } from '../../shared/errors';

export interface HttpRequest<B> {
  body: B;
  pathParameters: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  event: APIGatewayProxyEventV2;
}

export interface HttpResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const jsonHeaders = { 'content-type': 'application/json; charset=utf-8' };

export function httpRoute<S extends z.ZodType>(
  schema: S,
  run: (request: HttpRequest<z.infer<S>>) => Promise<HttpResult>,
) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>().handler(async (event) => {
    try {
      const body = parseBody(event, schema);
      const result = await run({
        body,
        pathParameters: event.pathParameters ?? {},
        query: event.queryStringParameters ?? {},
        headers: event.headers ?? {},
        event,
      });
      return {
        statusCode: result.status ?? 200,
        headers: { ...jsonHeaders, ...result.headers },
        body: result.body === undefined ? '' : JSON.stringify(result.body),
      };
    } catch (error) {
      const { status, body } = toErrorBody(error);
      if (status >= 500) console.error('request failed', error);
      return { statusCode: status, headers: jsonHeaders, body: JSON.stringify({ error: body }) };
    }
  });
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

export const noBody = z.undefined({ error: 'This route takes no request body.' });

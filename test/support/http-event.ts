// Builds API Gateway HTTP API (payload 2.0) events for a route key and invokes handlers with them, as the JWT
// authorizer would hand them over: the operator id in the `username` claim.
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

export interface HttpEventOptions {
  /** The calling operator; omitted = no authorizer claims at all. */
  operatorId?: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  /** Serialized as JSON unless it is already a string. */
  body?: unknown;
}

export function httpEvent(routeKey: string, options: HttpEventOptions = {}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const [method = 'GET', template = '/'] = routeKey.split(' ');
  const rawPath = template.replace(/\{(\w+)\}/g, (_, name: string) => options.pathParameters?.[name] ?? `{${name}}`);
  const rawQueryString = new URLSearchParams(options.query ?? {}).toString();
  const now = new Date();
  const event: APIGatewayProxyEventV2WithJWTAuthorizer = {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers: { 'content-type': 'application/json', host: 'api.test' },
    requestContext: {
      accountId: '000000000000',
      apiId: 'testapi',
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: {}, scopes: null } },
      domainName: 'api.test',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'vitest' },
      requestId: `req-${now.getTime()}`,
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  if (options.operatorId) event.requestContext.authorizer.jwt.claims = { username: options.operatorId };
  if (options.pathParameters) event.pathParameters = options.pathParameters;
  if (options.query) event.queryStringParameters = options.query;
  if (options.body !== undefined) {
    event.body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  return event;
}

export const lambdaContext: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test',
  memoryLimitInMB: '512',
  awsRequestId: 'test-request',
  logGroupName: '/aws/lambda/test',
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

export interface HttpResponse {
  status: number;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
}

type HttpHandler = (
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** Invokes a handler the way the Lambda runtime does and parses its JSON response. */
export async function invoke(
  handler: HttpHandler,
  routeKey: string,
  options: HttpEventOptions = {},
): Promise<HttpResponse> {
  const result = await handler(httpEvent(routeKey, options), lambdaContext);
  return { status: result.statusCode ?? 200, body: result.body ? JSON.parse(result.body) : undefined };
}

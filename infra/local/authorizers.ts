// The local API Gateway's authorizers, behaving as the deployed ones do: the WebSocket Lambda REQUEST authorizer on
// $connect (the route table's authorizer entry, invoked with a real-shaped event and judged by the policy it returns)
// and the HTTP API's JWT authorizer (the same verifyOperatorToken the deployed WebSocket authorizer uses).
import { DomainError } from '../../shared/domain/errors';
import { verifyOperatorToken } from '../../shared/realtime/operator-tokens';
import type { ServedHttpRoute as HttpRoute } from '../routes';
import { type AuthorizerContext, connectAuthorizerEvent } from './api-gateway-events';
import type { Invoke } from './lambda-runtime';
import type { AuthorizeConnect } from './websocket-api';

export interface LambdaConnectAuthorizerOptions {
  invoke: Invoke;
  /** The authorizer's handler entry (`webSocketAuthorizer.entry`). */
  entry: string;
  /** The query parameter named by the identity source (`route.request.querystring.token` → `token`). */
  tokenParameter: string;
  log: (line: string) => void;
}

interface Statement {
  Effect?: unknown;
  Action?: unknown;
  Resource?: unknown;
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** IAM-style matching of `*` and `?` in a policy's Action or Resource. */
function matches(pattern: unknown, value: string): boolean {
  if (typeof pattern !== 'string') return false;
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}

function appliesTo(statement: Statement, methodArn: string): boolean {
  return (
    asList(statement.Action).some((action) => matches(action, 'execute-api:Invoke')) &&
    asList(statement.Resource).some((resource) => matches(resource, methodArn))
  );
}

type Verdict = { allowed: true; context: AuthorizerContext } | { allowed: false; statusCode: 403 | 500 };

/** Allowed when a statement allows execute-api:Invoke on the method and none denies it; a malformed answer is a 500. */
function judge(result: unknown, methodArn: string, integrationLatency: number): Verdict {
  const answer = result as { principalId?: unknown; policyDocument?: { Statement?: unknown }; context?: unknown };
  if (typeof answer?.principalId !== 'string' || !Array.isArray(answer.policyDocument?.Statement)) {
    return { allowed: false, statusCode: 500 };
  }
  const context = (answer.context ?? {}) as Record<string, unknown>;
  // API Gateway refuses object and array context values (an AuthorizerConfigurationException, 500 to the client).
  if (typeof context !== 'object' || Object.values(context).some((value) => typeof value === 'object')) {
    return { allowed: false, statusCode: 500 };
  }
  const statements = (answer.policyDocument.Statement as Statement[]).filter((s) => appliesTo(s, methodArn));
  const allowed = statements.some((s) => s.Effect === 'Allow') && !statements.some((s) => s.Effect === 'Deny');
  if (!allowed) return { allowed: false, statusCode: 403 };
  return { allowed: true, context: { ...context, principalId: answer.principalId, integrationLatency } };
}

/**
 * Runs the REQUEST authorizer before $connect. A handshake without the identity source is refused with 401 without
 * invoking it; the Lambda throwing `Unauthorized` is 401, a Deny 403, anything else a 500.
 */
export function lambdaConnectAuthorizer(options: LambdaConnectAuthorizerOptions): AuthorizeConnect {
  return async (handshake) => {
    if (!handshake.query.get(options.tokenParameter)) return { allowed: false, statusCode: 401 };
    const started = Date.now();
    const event = connectAuthorizerEvent(handshake, process.env.AWS_REGION ?? 'us-east-1', new Date(started));
    let result: unknown;
    try {
      result = await options.invoke(options.entry, event);
    } catch (error) {
      if (error instanceof Error && error.message === 'Unauthorized') return { allowed: false, statusCode: 401 };
      options.log(`WS authorizer failed: ${error instanceof Error ? error.stack : String(error)}`);
      return { allowed: false, statusCode: 500 };
    }
    const verdict = judge(result, event.methodArn, Date.now() - started);
    if (!verdict.allowed && verdict.statusCode === 500) options.log('WS authorizer returned a malformed policy');
    return verdict;
  };
}

/** What the HTTP API's JWT authorizer decided; `claims` become `requestContext.authorizer.jwt.claims`. */
export type HttpAuthorization =
  | { allowed: true; claims?: Record<string, string> }
  | { allowed: false; statusCode: 401 | 500; wwwAuthenticate?: string };

/** Authorizes one HTTP request for its route; headers have lower-case names, as Node gives them. */
export type AuthorizeHttp = (
  route: HttpRoute,
  headers: Readonly<Record<string, string | string[] | undefined>>,
) => Promise<HttpAuthorization>;

export const allowEveryRequest: AuthorizeHttp = async () => ({ allowed: true });

/** API Gateway hands JWT claims over as strings: numbers and booleans printed, arrays as `[a b]`. */
export function stringClaims(claims: Record<string, unknown>): Record<string, string> {
  const printed: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (Array.isArray(value)) printed[name] = `[${value.map(String).join(' ')}]`;
    else if (value !== null && typeof value === 'object') printed[name] = JSON.stringify(value);
    else printed[name] = String(value);
  }
  return printed;
}

/**
 * The JWT authorizer of routes with `auth: 'operator'`: `Authorization: Bearer <access token>` verified with
 * verifyOperatorToken; a missing or bad token is 401 `{"message":"Unauthorized"}` and the handler is never invoked.
 */
export function operatorJwtAuthorizer(
  verify: typeof verifyOperatorToken = verifyOperatorToken,
  log: (line: string) => void = console.log,
): AuthorizeHttp {
  return async (route, headers) => {
    if (route.auth !== 'operator') return { allowed: true };
    const header = headers.authorization;
    const value = (Array.isArray(header) ? header[0] : header)?.trim() ?? '';
    const token = value.replace(/^bearer\s+/i, '');
    if (!token) return { allowed: false, statusCode: 401, wwwAuthenticate: 'Bearer' };
    try {
      const { claims } = await verify(token);
      return { allowed: true, claims: stringClaims(claims) };
    } catch (error) {
      if (error instanceof DomainError && error.code === 'unauthorized') {
        return { allowed: false, statusCode: 401, wwwAuthenticate: 'Bearer error="invalid_token"' };
      }
      log(`HTTP JWT authorizer failed: ${error instanceof Error ? error.stack : String(error)}`);
      return { allowed: false, statusCode: 500 };
    }
  };
}

// Primary adapter for WebSocket actions: parses the frame, validates it, runs the use case and maps the outcome to a
// reply frame `{type:'reply', requestId, ok, data}` or `{type:'reply', requestId, ok:false, error:{code,message}}`.
import middy from '@middy/core';
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import type * as z from 'zod';
import type { Actor } from '../../shared/domain/actors';
import { DomainError, describeIssues, invalid, toErrorBody, unauthorized } from '../../shared/domain/errors';
import { addLogContext, errorFields, log, noteOutcome } from '../../shared/platform/log';
import { requestEnvelope } from '../../shared/protocol/frame-schemas';
import { actorOfPrincipal, principalFromContext, principalKeyOf } from '../../shared/realtime/connection-principal';
import type { PrincipalKey } from '../../shared/store/keys';
import { observe } from './observe';

export interface ActionContext {
  connectionId: string;
  requestId: string;
  receivedAt: Date;
  /** Who holds the connection, from the $connect authorizer's context. */
  principal: PrincipalKey;
  /** That principal as it is now: an operator's current role and groups (a disabled operator is refused). */
  actor: Actor;
}

/** A WebSocket event as API Gateway sends it behind the $connect authorizer (the aws-lambda type omits these). */
export type AuthorizedWebSocketEvent = APIGatewayProxyWebsocketEventV2 & {
  requestContext: APIGatewayProxyWebsocketEventV2['requestContext'] & {
    authorizer?: unknown;
    identity?: { sourceIp?: string };
  };
};

/** Every frame's head (shared/protocol/frame-schemas.ts): the action and the id its reply repeats. */
const envelope = requestEnvelope;

export type ReplyFrame =
  | { type: 'reply'; requestId: string | null; ok: true; data: unknown }
  | { type: 'reply'; requestId: string | null; ok: false; error: ReturnType<typeof toErrorBody>['body'] };

export function errorFrame(requestId: string | null, error: unknown): ReplyFrame {
  const { status, body } = toErrorBody(error);
  noteOutcome({ outcome: status >= 500 ? 'error' : 'refused', errorCode: body.code, status });
  if (status >= 500) log.error('action failed', errorFields(error));
  return { type: 'reply', requestId, ok: false, error: body };
}

/** Reads `requestId` from a body that may not even be JSON, so an error reply can still name its request. */
export function requestIdOf(body: string | undefined): string | null {
  try {
    const value = JSON.parse(body ?? '') as { requestId?: unknown };
    return typeof value.requestId === 'string' ? value.requestId.slice(0, 64) : null;
  } catch {
    return null;
  }
}

export function parseFrame<S extends z.ZodType>(
  body: string | undefined,
  schema: S,
): z.infer<S> & { requestId: string } {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    throw invalid('The frame is not valid JSON.');
  }
  const head = envelope.safeParse(json);
  if (!head.success)
    throw invalid(`Every frame needs an action and a requestId (${describeIssues(head.error.issues)}).`);
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalid(describeIssues(parsed.error.issues));
  return { ...(parsed.data as object), requestId: head.data.requestId } as z.infer<S> & { requestId: string };
}

/** A WebSocket action whose result is returned as the route response (API Gateway sends it to the caller). */
export function webSocketAction<S extends z.ZodType, R>(
  schema: S,
  run: (input: z.infer<S>, context: ActionContext, event: AuthorizedWebSocketEvent) => Promise<R>,
) {
  const handler = middy<AuthorizedWebSocketEvent, APIGatewayProxyResultV2>().handler(async (event) => {
    const requestId = requestIdOf(event.body);
    try {
      const input = parseFrame(event.body, schema);
      const ticketId = (input as { ticketId?: unknown }).ticketId;
      if (typeof ticketId === 'string') addLogContext({ ticketId });
      const principal = principalFromContext(event.requestContext.authorizer);
      // Only a deployment without the $connect authorizer gets here without a principal.
      if (!principal) throw unauthorized('This connection was opened without credentials; reconnect with a token.');
      const context: ActionContext = {
        connectionId: event.requestContext.connectionId,
        requestId: input.requestId,
        receivedAt: new Date(event.requestContext.requestTimeEpoch),
        principal: principalKeyOf(principal),
        actor: await actorOfPrincipal(principal),
      };
      const data = await run(input, context, event);
      return reply({ type: 'reply', requestId, ok: true, data });
    } catch (error) {
      return reply(errorFrame(requestId, error));
    }
  });
  return observe(handler);
}

export function reply(frame: ReplyFrame): APIGatewayProxyResultV2 {
  return { statusCode: 200, body: JSON.stringify(frame) };
}

export { DomainError };

// A connection's principal as every later event carries it (R1): the flat context API Gateway attaches to a
// connection's events, read back into the operator or widget visitor acting. Apart from the $connect authentication
// (connection-auth.ts), so the functions that answer actions do not bundle token verification.
import * as z from 'zod';
import type { Actor, OperatorActor } from '../domain/actors';
import type { PrincipalKey } from '../store/keys';
import { resolveOperatorActor } from '../store/operators';

export type ConnectionPrincipal =
  | { kind: 'operator'; operatorId: string }
  | { kind: 'visitor'; clientId: string; channelId: string };

/** API Gateway accepts only string, number and boolean context values, so the principal travels flattened. */
export interface ConnectionContext {
  [key: string]: string;
  principal: PrincipalKey;
}

export function principalKeyOf(principal: ConnectionPrincipal): PrincipalKey {
  return principal.kind === 'operator' ? `operator#${principal.operatorId}` : `visitor#${principal.clientId}`;
}

export function connectionContextOf(principal: ConnectionPrincipal): ConnectionContext {
  const key = principalKeyOf(principal);
  return principal.kind === 'operator'
    ? { principal: key, operatorId: principal.operatorId }
    : { principal: key, clientId: principal.clientId, channelId: principal.channelId };
}

const contextSchema = z.object({
  principal: z.string(),
  operatorId: z.string().min(1).optional(),
  clientId: z.string().min(1).optional(),
  channelId: z.string().min(1).optional(),
});

/**
 * Reads the principal back from `requestContext.authorizer` (which also carries API Gateway's own principalId and
 * integrationLatency). Undefined when there is none or it does not hold together.
 */
export function principalFromContext(authorizer: unknown): ConnectionPrincipal | undefined {
  const parsed = contextSchema.safeParse(authorizer);
  if (!parsed.success) return undefined;
  const { principal, operatorId, clientId, channelId } = parsed.data;
  if (operatorId && principal === `operator#${operatorId}`) return { kind: 'operator', operatorId };
  if (clientId && channelId && principal === `visitor#${clientId}`) return { kind: 'visitor', clientId, channelId };
  return undefined;
}

/** The actor behind a connection as it is now: an operator's role and groups are re-read, a disabled one refused. */
export async function actorOfPrincipal(principal: ConnectionPrincipal): Promise<Actor> {
  if (principal.kind === 'visitor') {
    return { kind: 'visitor', clientId: principal.clientId, channelId: principal.channelId };
  }
  const actor: OperatorActor = await resolveOperatorActor(principal.operatorId);
  return actor;
}

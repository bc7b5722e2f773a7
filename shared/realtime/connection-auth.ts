// Who opens a WebSocket connection (R1, CH1): the use case behind the $connect authorizer. A connect code, a widget
// visitor token or an operator access token goes in; the connection's principal comes out, and from it the flat
// context API Gateway attaches to every later event of the connection (shared/realtime/connection-principal.ts).
import { forbidden, unauthorized } from '../domain/errors';
import { getChannel } from '../store/channels';
import { resolveOperatorActor } from '../store/operators';
import { CONNECT_CODE_PREFIX, redeemConnectCode } from './connect-codes';
import type { ConnectionPrincipal } from './connection-principal';
import { verifyOperatorToken } from './operator-tokens';
import { isBlocked, VISITOR_TOKEN_PREFIX, verifyVisitorToken } from './visitors';

/** Where a handshake comes from: checked for widget visitors against their channel (C6, CH1). */
export interface HandshakeOrigin {
  sourceIp?: string | undefined;
  /** The browser's Origin header; absent for non-browser clients. */
  origin?: string | undefined;
}

/**
 * `cc_…` is a connect code (single use), `vt_…` a widget visitor token, anything else an operator access token.
 * Throws `unauthorized` for a token that proves nothing, `forbidden` for a disabled operator or a visitor the widget
 * does not admit (blocked address, no Origin, page not among its allowed origins).
 */
export async function authenticateConnection(
  token: string,
  now: Date,
  from: HandshakeOrigin = {},
): Promise<ConnectionPrincipal> {
  if (token.startsWith(CONNECT_CODE_PREFIX)) {
    const operatorId = await redeemConnectCode(token, now);
    if (!operatorId) throw unauthorized('This connect code is unknown, already used or expired; request a new one.');
    return operatorPrincipal(operatorId);
  }
  if (token.startsWith(VISITOR_TOKEN_PREFIX)) {
    const visitor = await verifyVisitorToken(token);
    if (!visitor) throw unauthorized('This visitor token is unknown or expired; start a new chat session.');
    await admitVisitor(visitor.channelId, from);
    return { kind: 'visitor', clientId: visitor.clientId, channelId: visitor.channelId };
  }
  const { operatorId } = await verifyOperatorToken(token);
  return operatorPrincipal(operatorId);
}

async function admitVisitor(channelId: string, from: HandshakeOrigin): Promise<void> {
  const channel = await getChannel(channelId);
  if (channel?.kind !== 'widget' || !channel.enabled) throw unauthorized('This chat is no longer available.');
  if (from.sourceIp && isBlocked(channel.settings.blockedIps ?? [], from.sourceIp)) {
    throw forbidden('Chat is not available from this address.');
  }
  // Every widget lists its origins, so a handshake must name one: a script off the page (no Origin) is not the widget.
  if (!from.origin) throw forbidden('The widget connects from its web page only; the handshake had no Origin header.');
  if (!channel.settings.allowedOrigins.includes(from.origin)) {
    throw forbidden(`The widget is not allowed on ${from.origin}.`);
  }
}

/** A valid token is not enough: the operator must still exist and be enabled (resolveOperatorActor throws if not). */
async function operatorPrincipal(operatorId: string): Promise<ConnectionPrincipal> {
  await resolveOperatorActor(operatorId);
  return { kind: 'operator', operatorId };
}

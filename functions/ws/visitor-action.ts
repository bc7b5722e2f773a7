// Widget visitor actions over WebSocket: `{action: 'chat.send' | 'chat.history' | 'chat.typing' | 'chat.end', ...}`.
// The visitor is admitted again on each action (its widget still on, its address not blocked) before anything runs.
import * as z from 'zod';
import { forbidden } from '../../shared/domain/errors';
import { admitVisitorAction } from '../../shared/realtime/action-limits';
import { assertVisitorAdmitted } from '../../shared/realtime/visitor-admission';
import { runVisitorAction, VISITOR_ACTION_NAMES } from '../../shared/use-cases/visitor-chat';
import { webSocketAction } from '../adapters/websocket';

const frame = z.looseObject({ action: z.enum(VISITOR_ACTION_NAMES) });

export const handler = webSocketAction(
  frame,
  async ({ action, requestId: _r, ...input }, { actor, receivedAt, connectionId }, event) => {
    if (actor.kind !== 'visitor') throw forbidden('Only widget visitors use chat actions.');
    await assertVisitorAdmitted(actor, event.requestContext.identity?.sourceIp, receivedAt);
    return runVisitorAction(actor, action, input, receivedAt, () =>
      admitVisitorAction(actor, connectionId, action, receivedAt),
    );
  },
);

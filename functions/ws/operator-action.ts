// Operator actions over WebSocket (R1): `{action, requestId, ...input}` → the action's use case → a reply frame.
import * as z from 'zod';
import { forbidden } from '../../shared/domain/errors';
import { admitOperatorAction } from '../../shared/realtime/action-limits';
import { OPERATOR_ACTION_NAMES, runOperatorAction } from '../../shared/use-cases/operator-actions';
import { webSocketAction } from '../adapters/websocket';

const frame = z.looseObject({ action: z.enum(OPERATOR_ACTION_NAMES) });

export const handler = webSocketAction(
  frame,
  async ({ action, requestId: _r, ...input }, { actor, receivedAt, connectionId }) => {
    if (actor.kind !== 'operator') throw forbidden('Only operators may do this.');
    await admitOperatorAction(connectionId, receivedAt);
    return runOperatorAction(actor, action, input, receivedAt);
  },
);

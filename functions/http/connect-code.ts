// POST /auth/connect-code: a single-use code, valid 60 s, that a browser puts in the WebSocket URL instead of its token.
import { issueConnectCode } from '../../shared/realtime/connect-codes';
import { httpRoute, noBody } from '../adapters/http';

export const handler = httpRoute(noBody.optional(), async ({ actor, event }) => ({
  status: 201,
  // A credential: like every answer of the API, sent with cache-control: no-store (functions/adapters/http.ts).
  body: await issueConnectCode(actor.operatorId, new Date(event.requestContext.timeEpoch)),
}));

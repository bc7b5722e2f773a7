// GET /health: the API is up and can reach its table.
import { checkHealth } from '../../shared/use-cases/health';
import { httpRoute, noBody } from '../adapters/http';

export const handler = httpRoute(noBody.optional(), async () => ({ body: await checkHealth() }), {
  auth: 'none',
});

// GET /me: the calling operator's own profile (role, groups, capacity), for any enabled operator.
import { profileOf } from '../../shared/store/operators';
import { httpRoute, noBody } from '../adapters/http';

export const handler = httpRoute(noBody, async ({ actor }) => ({ body: await profileOf(actor) }));

// Admin API for deployment settings (O4, S1, P1, T11, M4, CH4): read with defaults, replace as a whole.
import { settingsSchema } from '../../../shared/store/settings';
import { replaceSettings, showSettings } from '../../../shared/use-cases/admin/settings';
import { adminRoute, noBody } from '../../adapters/http';
import { adminResource } from '../../adapters/http-resource';

export const handler = adminResource('settings', {
  show: adminRoute(noBody, async ({ actor }) => ({ body: await showSettings(actor) })),
  replace: adminRoute(settingsSchema, async ({ actor, body }) => ({
    body: await replaceSettings(actor, body),
  })),
});

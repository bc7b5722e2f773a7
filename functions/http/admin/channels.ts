// Admin API for channels (CH1, O4): list (optionally by kind), create, show, update, and rotate the webhook secret.

import { pageRequestOf } from '../../../shared/store/pagination';
import {
  channelCreateSchema,
  channelUpdateSchema,
  createChannel,
  listChannels,
  rotateChannelSecret,
  showChannel,
  updateChannel,
} from '../../../shared/use-cases/admin/channels';
import { adminRoute, noBody } from '../../adapters/http';
import { byRouteKey, pathParameter } from '../../adapters/http-resource';

export const handler = byRouteKey({
  'GET /admin/channels': adminRoute(noBody, async ({ actor, query }) => ({
    body: await listChannels(actor, pageRequestOf(query), query.kind),
  })),
  'POST /admin/channels': adminRoute(channelCreateSchema, async ({ actor, body }) => ({
    status: 201,
    body: await createChannel(actor, body),
  })),
  'GET /admin/channels/{channelId}': adminRoute(noBody, async ({ actor, pathParameters }) => ({
    body: await showChannel(actor, pathParameter(pathParameters, 'channelId')),
  })),
  'PATCH /admin/channels/{channelId}': adminRoute(channelUpdateSchema, async ({ actor, pathParameters, body }) => ({
    body: await updateChannel(actor, pathParameter(pathParameters, 'channelId'), body),
  })),
  'POST /admin/channels/{channelId}/secret': adminRoute(noBody, async ({ actor, pathParameters }) => ({
    body: await rotateChannelSecret(actor, pathParameter(pathParameters, 'channelId')),
  })),
});

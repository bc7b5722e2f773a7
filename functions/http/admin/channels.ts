// Admin API for channels (CH1, O4, OP4): list (optionally by kind), create, show, update, and rotate the webhook secret.
// Every channel in an answer carries `webhookUrl`, the address to register with its provider (none for a widget).
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
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
import { hasWebhook, webhookUrlOf } from '../../../shared/use-cases/channel-registration';
import { adminRoute, noBody } from '../../adapters/http';
import { adminResource, apiBaseUrlOf, pathParameter } from '../../adapters/http-resource';

type ChannelAnswer = { channelId: string; kind?: string };

/** Adds the channel's webhook URL, as reached through this API, to one channel or to each of a page's items. */
function withWebhookUrl<T>(body: T, event: APIGatewayProxyEventV2): T {
  const base = apiBaseUrlOf(event);
  const one = (channel: ChannelAnswer) =>
    channel.kind === undefined || hasWebhook(channel.kind as Parameters<typeof hasWebhook>[0])
      ? { ...channel, webhookUrl: webhookUrlOf(base, channel.channelId) }
      : channel;
  const page = body as { items?: ChannelAnswer[] };
  if (Array.isArray(page.items)) return { ...page, items: page.items.map(one) } as T;
  return one(body as ChannelAnswer) as T;
}

export const handler = adminResource('channels', {
  list: adminRoute(noBody, async ({ actor, query, event }) => ({
    body: withWebhookUrl(await listChannels(actor, pageRequestOf(query), query.kind), event),
  })),
  create: adminRoute(channelCreateSchema, async ({ actor, body, event }) => ({
    status: 201,
    body: withWebhookUrl(await createChannel(actor, body), event),
  })),
  show: adminRoute(noBody, async ({ actor, pathParameters, event }) => ({
    body: withWebhookUrl(await showChannel(actor, pathParameter(pathParameters, 'channelId')), event),
  })),
  update: adminRoute(channelUpdateSchema, async ({ actor, pathParameters, body, event }) => ({
    body: withWebhookUrl(await updateChannel(actor, pathParameter(pathParameters, 'channelId'), body), event),
  })),
  rotateSecret: adminRoute(noBody, async ({ actor, pathParameters, event }) => ({
    body: withWebhookUrl(await rotateChannelSecret(actor, pathParameter(pathParameters, 'channelId')), event),
  })),
});

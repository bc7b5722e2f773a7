// Admin API for outgoing webhooks (W1, W2): endpoints, their signing secret (shown only on create and rotate, never
// cached), the attempt log, and an event's state and replay.
import { pageRequestOf } from '../../../shared/store/pagination';
import {
  createWebhook,
  deleteWebhook,
  disableWebhook,
  listWebhooks,
  replayWebhookEvent,
  rotateWebhookSecret,
  showWebhook,
  showWebhookEvent,
  updateWebhook,
  webhookAttempts,
  webhookCreateSchema,
  webhookUpdateSchema,
} from '../../../shared/use-cases/admin/webhooks';
import { adminRoute, noBody } from '../../adapters/http';
import { adminResource, pathParameter } from '../../adapters/http-resource';

/** A secret in the answer: no cache on the way may keep it. */
const secretHeaders = { 'cache-control': 'no-store' };
const webhookIdOf = (parameters: Record<string, string | undefined>) => pathParameter(parameters, 'webhookId');

export const handler = adminResource('webhooks', {
  list: adminRoute(noBody, async ({ actor, query }) => ({
    body: await listWebhooks(actor, pageRequestOf(query)),
  })),
  create: adminRoute(webhookCreateSchema, async ({ actor, body }) => ({
    status: 201,
    headers: secretHeaders,
    body: await createWebhook(actor, body),
  })),
  show: adminRoute(noBody, async ({ actor, pathParameters }) => ({
    body: await showWebhook(actor, webhookIdOf(pathParameters)),
  })),
  update: adminRoute(webhookUpdateSchema, async ({ actor, pathParameters, body }) => ({
    body: await updateWebhook(actor, webhookIdOf(pathParameters), body),
  })),
  remove: adminRoute(noBody, async ({ actor, pathParameters }) => {
    await deleteWebhook(actor, webhookIdOf(pathParameters));
    return { status: 204 };
  }),
  disable: adminRoute(noBody, async ({ actor, pathParameters }) => ({
    body: await disableWebhook(actor, webhookIdOf(pathParameters)),
  })),
  rotateSecret: adminRoute(noBody, async ({ actor, pathParameters }) => ({
    headers: secretHeaders,
    body: await rotateWebhookSecret(actor, webhookIdOf(pathParameters)),
  })),
  attempts: adminRoute(noBody, async ({ actor, pathParameters }) => ({
    body: await webhookAttempts(actor, webhookIdOf(pathParameters)),
  })),
  showEvent: adminRoute(noBody, async ({ actor, pathParameters }) => ({
    body: await showWebhookEvent(actor, webhookIdOf(pathParameters), pathParameter(pathParameters, 'eventId')),
  })),
  replayEvent: adminRoute(noBody, async ({ actor, pathParameters }) => ({
    status: 202,
    body: await replayWebhookEvent(actor, webhookIdOf(pathParameters), pathParameter(pathParameters, 'eventId')),
  })),
});

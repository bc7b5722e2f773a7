// GET|POST /channels/{channelId}/webhook: a channel (Telegram, WhatsApp, any signed `api` caller) delivers updates.
// Public by design; the channel's driver verifies the signature over the raw bytes (shared/use-cases/channel-webhook.ts).
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { WebhookRequest } from '../../shared/channels/driver';
import { invalid } from '../../shared/domain/errors';
import { receiveWebhook } from '../../shared/use-cases/channel-webhook';
import { rawHttpRoute } from '../adapters/http';
import { pathParameter } from '../adapters/http-resource';

export const handler = rawHttpRoute(async (event) =>
  receiveWebhook(pathParameter(event.pathParameters ?? {}, 'channelId'), webhookRequestOf(event)),
);

/** API Gateway hands non-text bodies over base64-encoded; signatures are over the bytes as sent either way. */
export function webhookRequestOf(event: APIGatewayProxyEventV2): WebhookRequest {
  const method = event.requestContext.http.method.toUpperCase();
  if (method !== 'GET' && method !== 'POST') throw invalid(`${method} is not a webhook method.`);
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const body = event.body ?? '';
  return {
    method,
    headers,
    query: event.queryStringParameters ?? {},
    rawBody: Buffer.from(body, event.isBase64Encoded ? 'base64' : 'utf8'),
    receivedAt: new Date(event.requestContext.timeEpoch),
    sourceIp: event.requestContext.http.sourceIp,
  };
}

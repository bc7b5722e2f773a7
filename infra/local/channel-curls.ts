// The one-line commands `npm start` prints: a client writing through each demo channel, registering a webhook.
import { apiSignatureHeaders } from '../../shared/channels/api';
import { channelSampleRequest, curlLine } from './channel-samples';
import type { DemoTenant } from './seed';

/** One line per channel kind with webhooks; each posts one client message to the running stack. */
export function clientMessageCommands(httpUrl: string, demo: DemoTenant, now = new Date()): string[] {
  return [
    apiCurl(httpUrl, demo, now),
    // Posting either twice shows CH2 too: the same update_id / wamid is acknowledged as a duplicate.
    `telegram (npm run say:telegram -- "text" sends a new update):\n    ${curlLine(
      channelSampleRequest('telegram', httpUrl, demo, 'Hello from Telegram, my card payment failed', now),
    )}`,
    `whatsapp (signed with the demo app secret; npm run say:whatsapp -- "text" sends a new message):\n    ${curlLine(
      channelSampleRequest('whatsapp', httpUrl, demo, 'Hello from WhatsApp, where is my order?', now),
    )}`,
  ];
}

/**
 * `api`: a ready signed curl. The signature covers the timestamp, so it is refused 5 minutes after `npm start`
 * printed it; `npm run say:api -- "text"` signs a fresh request each time. Posting it twice shows CH2: the second is
 * acknowledged as a duplicate and stores nothing.
 */
function apiCurl(httpUrl: string, demo: DemoTenant, now: Date): string {
  const channelId = demo.channels.api;
  const secret = demo.webhookSecrets[channelId] ?? '';
  const body = JSON.stringify({
    type: 'message',
    messageId: `crm-${Math.floor(now.getTime() / 1000)}`,
    user: { id: 'crm-user-42', name: 'Ivan (CRM)' },
    text: 'Hello from the CRM, my transfer is stuck',
  });
  const headers = Object.entries(apiSignatureHeaders(secret, body, now))
    .map(([name, value]) => `-H '${name}: ${value}'`)
    .join(' ');
  return `api (valid 5 min; npm run say:api -- "text" signs anew):\n    curl -X POST ${httpUrl}/channels/${channelId}/webhook -H 'content-type: application/json' ${headers} -d '${body}'`;
}

/**
 * W1: registering the fake channel server's receiver as a webhook endpoint (as the demo admin), and listing what it
 * received. http to this loopback receiver passes the outbound-URL guard only under the local stack's allowance.
 */
export function webhookCommands(urls: { http: string; channels: string }): string[] {
  const body = JSON.stringify({
    url: `${urls.channels}/webhooks/crm`,
    eventTypes: ['ticket.created', 'ticket.assigned', 'ticket.closed', 'message.created', 'message.status'],
  });
  return [
    `curl -X POST ${urls.http}/admin/webhooks -H "Authorization: Bearer $TOKEN_ADMIN" -H 'content-type: application/json' -d '${body}'`,
    `curl '${urls.channels}/__calls?path=/webhooks/'          (deliveries received: headers carry the signature)`,
    `curl -H "Authorization: Bearer $TOKEN_ADMIN" ${urls.http}/admin/webhooks/<webhookId>/attempts   (the attempt log)`,
  ];
}

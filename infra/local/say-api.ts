// `npm run say:api -- "text"`: a client of the demo `api` channel writes one message to the running local stack, the
// way a CRM would — a JSON webhook signed with the channel's secret, timestamped now.
import { apiSignatureHeaders } from '../../shared/channels/api';
import { readDemoTenant, readLocalStackFile, runCommand } from './demo-commands';
import { LocalStackError } from './local-stack-error';

async function main() {
  // The running stack's own URLs: its ports follow whatever --port-base it was started with.
  const httpUrl = (await readLocalStackFile()).urls.http;
  const text = process.argv.slice(2).join(' ').trim();
  if (!text) throw new LocalStackError('Usage: npm run say:api -- "message text"  [env USER_ID, USER_NAME]');
  const demo = await readDemoTenant();
  const channelId = demo.channels.api;
  const body = JSON.stringify({
    type: 'message',
    messageId: `say-${Date.now()}`,
    user: { id: process.env.USER_ID ?? 'crm-user-42', name: process.env.USER_NAME ?? 'Ivan (CRM)' },
    text,
  });
  const response = await fetch(`${httpUrl}/channels/${channelId}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...apiSignatureHeaders(demo.webhookSecrets[channelId] ?? '', body) },
    body,
  });
  console.log(`api channel ${channelId} → ${response.status} ${await response.text()}`);
}

runCommand(main);

// `npm run say:api -- "text"`: a client of the demo `api` channel writes one message to the running local stack, the
// way a CRM would — a JSON webhook signed with the channel's secret, timestamped now.
import { readFile } from 'node:fs/promises';
import { apiSignatureHeaders } from '../../shared/channel-drivers/api';
import { DEMO_FILE } from './local-stack';
import { LocalStackError } from './local-stack-error';
import type { DemoTenant } from './seed';

const portBase = Number(process.env.PORT_BASE ?? 4000);
const httpUrl = `http://127.0.0.1:${portBase}`;

async function main() {
  const text = process.argv.slice(2).join(' ').trim();
  if (!text) throw new LocalStackError('Usage: npm run say:api -- "message text"  [env USER_ID, USER_NAME]');
  const demo = await demoTenant();
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

async function demoTenant(): Promise<DemoTenant> {
  try {
    return JSON.parse(await readFile(DEMO_FILE, 'utf8')) as DemoTenant;
  } catch {
    throw new LocalStackError(`No demo tenant found (${DEMO_FILE}); start the local stack with npm start first.`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof LocalStackError ? `switchboard: ${error.message}` : error);
  process.exit(1);
});

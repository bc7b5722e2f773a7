// `npm run say:telegram -- "text"` / `npm run say:whatsapp -- "text"`: a client of the running local stack's demo
// Telegram or WhatsApp channel writes one message — the channel's own webhook, authenticated as the channel does it.
import { channelSampleRequest, type SampleChannel } from './channel-samples';
import { readDemoTenant, readLocalStackFile, runCommand } from './demo-commands';
import { LocalStackError } from './local-stack-error';

const KINDS: readonly SampleChannel[] = ['telegram', 'whatsapp'];

async function main() {
  // The running stack's own URLs: its ports follow whatever --port-base it was started with.
  const httpUrl = (await readLocalStackFile()).urls.http;
  const [kind, ...words] = process.argv.slice(2);
  const text = words.join(' ').trim();
  const channel = KINDS.find((known) => known === kind);
  if (!channel || !text)
    throw new LocalStackError('Usage: npm run say:telegram -- "text"  or  npm run say:whatsapp -- "text"');
  const request = channelSampleRequest(channel, httpUrl, await readDemoTenant(), text);
  const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
  console.log(`${channel} channel → ${response.status} ${await response.text()}`);
}

runCommand(main);

// `npm run say -- "text"`: a website visitor of the running local stack's demo widget writes one message, the way the
// widget would — a visitor session over HTTP, then `chat.send` over the WebSocket API.
import WebSocket from 'ws';
import { readDemoTenant, readLocalStackFile, runCommand } from './demo-commands';
import { LocalStackError } from './local-stack-error';
import { DEMO_WIDGET_ORIGIN } from './seed';

async function main() {
  const text = process.argv.slice(2).join(' ').trim();
  if (!text) throw new LocalStackError('Usage: npm run say -- "message text"  [env VISITOR_NAME, CHANNEL_ID]');
  // The running stack's own URLs: its ports follow whatever --port-base it was started with.
  const { urls } = await readLocalStackFile();
  const httpUrl = urls.http;
  const wsUrl = urls.webSocket;
  const channelId = process.env.CHANNEL_ID ?? (await readDemoTenant()).channels.widget;
  const session = await fetch(`${httpUrl}/widget/${channelId}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: process.env.VISITOR_NAME ?? 'Olga (website visitor)' }),
  }).then((response) => response.json() as Promise<{ visitorToken?: string; clientId?: string; error?: unknown }>);
  if (!session.visitorToken) throw new LocalStackError(`No visitor session: ${JSON.stringify(session.error)}`);
  // As a browser would: the widget admits handshakes from its allowed origins only (the demo widget's by default).
  const socket = new WebSocket(`${wsUrl}?token=${session.visitorToken}`, {
    origin: process.env.WIDGET_ORIGIN ?? DEMO_WIDGET_ORIGIN,
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ action: 'chat.send', requestId: 'say-1', text }));
  const reply = await new Promise<string>((resolve) => socket.once('message', (data) => resolve(String(data))));
  console.log(`client ${session.clientId} → ${reply}`);
  socket.close();
}

runCommand(main);

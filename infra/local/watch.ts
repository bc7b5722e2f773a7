// `npm run watch -- anna`: connects to the running local stack as a demo operator (anna, boris, supervisor, admin) and
// prints every frame that operator's socket receives, one line each, until Ctrl-C — what a console would show live.
import WebSocket from 'ws';
import { eventsIn } from '../../shared/realtime/event-frames';
import { readLocalStackFile, runCommand } from './demo-commands';
import { LocalStackError } from './local-stack-error';

async function main() {
  const who = (process.argv[2] ?? 'anna').toLowerCase();
  const stack = await readLocalStackFile();
  const token = stack.tokens[who];
  if (!token) {
    throw new LocalStackError(`No demo operator '${who}'; choose one of ${Object.keys(stack.tokens).join(', ')}.`);
  }
  const socket = new WebSocket(`${stack.urls.webSocket}?token=${encodeURIComponent(token)}`);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  console.log(`Watching as ${who} on ${stack.urls.webSocket} (Ctrl-C to stop)`);
  socket.on('message', (data) => console.log(describeMessage(String(data))));
  socket.send(JSON.stringify({ action: 'counters', requestId: 'watch-counters' }));
  socket.once('close', (code) => {
    console.log(`socket closed (${code})`);
    process.exit(0);
  });
  const stop = () => socket.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

interface Frame {
  type?: string;
  event?: string;
  requestId?: string;
  ok?: boolean;
  data?: unknown;
}

/** One line per frame; the events of one `events` message are indented under a `[n events]` line. */
function describeMessage(raw: string): string {
  const time = new Date().toISOString().slice(11, 19);
  try {
    const frame = JSON.parse(raw) as Frame;
    const events = eventsIn(frame);
    if (events.length === 1) return `${time} ${describeFrame(frame)}`;
    return [`${time} [${events.length} events]`, ...events.map((event) => `  ${describeFrame(event)}`)].join('\n');
  } catch {
    return `${time} ${raw.slice(0, 300)}`;
  }
}

/** `event-name  ticket  the event's data`, compact enough to follow. */
function describeFrame(frame: Frame): string {
  const data = (frame.data ?? {}) as Record<string, unknown>;
  const name = frame.type === 'reply' ? `reply ${frame.requestId} ${frame.ok ? 'ok' : 'error'}` : frame.event;
  const ticket = typeof data.ticketId === 'string' ? ` ${data.ticketId}` : '';
  return `${String(name).padEnd(18)}${ticket}  ${JSON.stringify(data).slice(0, 300)}`;
}

runCommand(main);

// `npm start`: brings the local stack up with demo data, prints its URLs, demo tokens as export lines and commands that
// work as pasted, and stops it all on Ctrl-C, SIGTERM, or when whatever started it exits.

import { createWriteStream, mkdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setLogSink } from '../../shared/platform/log';
import { clientMessageCommands, webhookCommands } from './channel-curls';
import { repoRoot } from './lambda-runtime';
import { stopWhenAsked } from './lifetime';
import { LOCAL_STACK_ENV_KEYS, type LocalStack, type LocalStackFile, STACK_FILE, startLocalStack } from './local-stack';
import { LocalStackError } from './local-stack-error';
import { DEMO_PEOPLE, type DemoTenant } from './seed';

const HELP = `Usage: npm start [-- --persist] [-- --port-base=4000]
  --persist          keep DynamoDB and S3 data under .local-data/ (in memory otherwise)
  --port-base=N      use ports N..N+6 (HTTP API, WebSocket API, DynamoDB, S3, SES, fake channel APIs, timer queue); env PORT_BASE works too`;

function parseArgs(argv: string[]) {
  const options = { persist: false, portBase: Number(process.env.PORT_BASE ?? 4000) };
  for (const arg of argv) {
    if (arg === '--persist') options.persist = true;
    else if (arg.startsWith('--port-base=')) options.portBase = Number(arg.slice('--port-base='.length));
    else if (arg === '--help' || arg === '-h') {
      console.log(HELP);
      process.exit(0);
    } else throw new LocalStackError(`Unknown option ${arg}.\n${HELP}`);
  }
  if (!Number.isInteger(options.portBase) || options.portBase < 1024 || options.portBase > 65530) {
    throw new LocalStackError('--port-base must be a whole number from 1024 to 65530.');
  }
  return options;
}

async function main() {
  // Node 20 runs the local stack; the deployed functions run on Node 24 (see README).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  // The functions' JSON log lines (OP1) go to a file, as CloudWatch Logs would keep them, not over the console.
  mkdirSync(path.dirname(FUNCTION_LOG), { recursive: true });
  const functionLog = createWriteStream(FUNCTION_LOG, { flags: 'a' });
  setLogSink((line) => functionLog.write(`${line}\n`));
  const stack = await startLocalStack({ ...options, log: (line) => console.log(`  ${line}`) });
  let stopping = false;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\nStopping the local stack (${reason})…`);
    // Should a server hang on close, exit anyway: DynamoDB Local's watchdog stops Java when our pipe to it closes.
    setTimeout(() => process.exit(0), 10_000).unref();
    await rm(STACK_FILE, { force: true });
    await stack.stop();
    process.exit(0);
  };
  stopWhenAsked((reason) => void shutdown(reason));
  const { urls, demo } = stack;
  const tokens = demo ? await mintDemoTokens(stack, demo) : {};
  const env = Object.fromEntries(
    LOCAL_STACK_ENV_KEYS.flatMap((key) => (process.env[key] ? [[key, process.env[key]]] : [])),
  );
  await writeFile(STACK_FILE, JSON.stringify({ urls, env, tokens } satisfies LocalStackFile, null, 2));
  console.log(`
Switchboard local stack is up (${Date.now() - started} ms${options.persist ? ', data kept in .local-data/' : ', in memory'})

  Console          ${urls.console}   (sign in as a demo person below)
  API documents    ${urls.docs}   (AsyncAPI and OpenAPI, docs/api/)
  HTTP API         ${urls.http}
  WebSocket API    ${urls.webSocket}
  @connections     ${urls.management}/@connections/{connectionId}
  DynamoDB Local   ${urls.dynamoDb}   (table ${stack.tableName})
  S3 (s3rver)      ${urls.s3}   (bucket ${stack.bucketName})
  SES mailbox      ${urls.mailbox}
  Fake channels    ${urls.channels}   (Telegram, WhatsApp and api callbacks land here)
  Function logs    ${path.relative(process.cwd(), FUNCTION_LOG)}   (JSON lines; tail -f it)

${demo ? demoSection(stack, demo, tokens) : ''}
Press Ctrl-C to stop (SIGTERM to this process, or its parent exiting, stops it too).
`);
}

const TOKEN_HOURS = 12;
const FUNCTION_LOG = path.join(repoRoot, '.local-data', 'functions.log');

const PEOPLE = DEMO_PEOPLE;

async function mintDemoTokens(stack: LocalStack, demo: DemoTenant): Promise<Record<string, string>> {
  const minted = await Promise.all(
    PEOPLE.map(([key]) => stack.tokens.mintAccessToken(demo.operators[key], { expiresInSeconds: TOKEN_HOURS * 3600 })),
  );
  return Object.fromEntries(PEOPLE.map(([key], i) => [key, minted[i] as string]));
}

function demoSection(stack: LocalStack, demo: DemoTenant, tokens: Record<string, string>): string {
  const { urls } = stack;
  const rows = PEOPLE.map(
    ([key, role, name]) => `  ${role.padEnd(11)}${name.padEnd(21)}${demo.operators[key]}   $TOKEN_${key.toUpperCase()}`,
  );
  const exports = PEOPLE.map(([key]) => `export TOKEN_${key.toUpperCase()}='${tokens[key]}'`);
  return `Demo tenant (access tokens valid ${TOKEN_HOURS} h; Authorization: Bearer <token>, or ?token=<token> on the WebSocket)
${rows.join('\n')}

  groups     First line ${demo.groups.firstLine}, Second line ${demo.groups.secondLine}
  channels   widget ${demo.channels.widget}, telegram ${demo.channels.telegram}, whatsapp ${demo.channels.whatsapp}, api ${demo.channels.api}

Paste these into the shell you try it from:
${exports.join('\n')}

Try it:
  curl ${urls.http}/health
  curl -H "Authorization: Bearer $TOKEN_ANNA" '${urls.http}/tickets?tab=unassigned'
  npm run watch -- anna                   (prints every frame Anna's socket receives, live; also boris, supervisor, admin)
  npm run say -- "Hello, I need help"     (a website visitor writes through the widget channel)
  npm run channel:register -- ${demo.channels.telegram}   (registers the demo Telegram bot's webhook with the fake Telegram)

A client writes through a channel webhook:
${clientMessageCommands(urls.http, demo)
  .map((line) => `  ${line}`)
  .join('\n')}

Outgoing webhooks (W1): register the fake channel server's receiver (the answer shows the signing secret once), then
see the signed deliveries arrive there (the delivery worker runs every minute):
${webhookCommands(urls)
  .map((line) => `  ${line}`)
  .join('\n')}
`;
}

main().catch((error: unknown) => {
  if (error instanceof LocalStackError) {
    console.error(`switchboard: ${error.message}`);
  } else {
    console.error('switchboard: the local stack failed to start:', error);
  }
  process.exit(1);
});

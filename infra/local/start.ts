// `npm start`: brings the local stack up with demo data, prints its URLs and demo tokens, and stops it all on Ctrl-C.

import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { setLogSink } from '../../shared/platform/log';
import { clientMessageCommands } from './channel-curls';
import { repoRoot } from './lambda-runtime';
import { type LocalStack, startLocalStack } from './local-stack';
import { LocalStackError } from './local-stack-error';
import type { DemoTenant } from './seed';

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
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping the local stack…');
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const { urls, demo } = stack;
  console.log(`
Switchboard local stack is up (${Date.now() - started} ms${options.persist ? ', data kept in .local-data/' : ', in memory'})

  HTTP API         ${urls.http}
  WebSocket API    ${urls.webSocket}
  @connections     ${urls.management}/@connections/{connectionId}
  DynamoDB Local   ${urls.dynamoDb}   (table ${stack.tableName})
  S3 (s3rver)      ${urls.s3}   (bucket ${stack.bucketName})
  SES mailbox      ${urls.mailbox}
  Fake channels    ${urls.channels}   (Telegram, WhatsApp and api callbacks land here)
  Function logs    ${path.relative(process.cwd(), FUNCTION_LOG)}   (JSON lines; tail -f it)

${demo ? await demoSection(stack, demo) : ''}
Press Ctrl-C to stop.
`);
}

const TOKEN_HOURS = 12;
const FUNCTION_LOG = path.join(repoRoot, '.local-data', 'functions.log');

async function demoSection(stack: LocalStack, demo: DemoTenant): Promise<string> {
  const { urls } = stack;
  const people: Array<[string, string, string]> = [
    ['admin', 'Ada Admin', demo.operators.admin],
    ['supervisor', 'Sam Supervisor', demo.operators.supervisor],
    ['operator', 'Anna (First line)', demo.operators.anna],
    ['operator', 'Boris (Second line)', demo.operators.boris],
  ];
  const tokens = await Promise.all(
    people.map(([, , id]) => stack.tokens.mintAccessToken(id, { expiresInSeconds: TOKEN_HOURS * 3600 })),
  );
  const rows = people.map(([role, name, id], i) => `  ${role.padEnd(11)}${name.padEnd(21)}${id}\n    ${tokens[i]}`);
  return `Demo tenant (access tokens valid ${TOKEN_HOURS} h; Authorization: Bearer <token>, or ?token=<token> on the WebSocket)
${rows.join('\n')}

  groups     First line ${demo.groups.firstLine}, Second line ${demo.groups.secondLine}
  channels   widget ${demo.channels.widget}, telegram ${demo.channels.telegram}, whatsapp ${demo.channels.whatsapp}, api ${demo.channels.api}

Try it:
  curl ${urls.http}/health
  curl -H "Authorization: Bearer $TOKEN" ${urls.http}/tickets?tab=unassigned
  npx wscat -c "${urls.webSocket}?token=$TOKEN"     then  {"action":"list","requestId":"1","tab":"unassigned"}
  npm run say -- "Hello, I need help"     (a website visitor writes through the widget channel)

A client writes through a channel webhook:
${clientMessageCommands(urls.http, demo)
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

// `npm start`: brings the local stack up with demo data, prints its URLs and demo tokens, and stops it all on Ctrl-C.

import { startLocalStack } from './local-stack';
import { LocalStackError } from './local-stack-error';

const HELP = `Usage: npm start [-- --persist] [-- --port-base=4000]
  --persist          keep DynamoDB and S3 data under .local-data/ (in memory otherwise)
  --port-base=N      use ports N..N+4 (HTTP API, WebSocket API, DynamoDB, S3, SES); env PORT_BASE works too`;

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
  const { urls } = stack;
  console.log(`
Switchboard local stack is up (${Date.now() - started} ms${options.persist ? ', data kept in .local-data/' : ', in memory'})

  HTTP API         ${urls.http}
  WebSocket API    ${urls.webSocket}
  @connections     ${urls.management}/@connections/{connectionId}
  DynamoDB Local   ${urls.dynamoDb}   (table ${stack.tableName})
  S3 (s3rver)      ${urls.s3}   (bucket ${stack.bucketName})
  SES mailbox      ${urls.mailbox}

Try:  curl ${urls.http}/health
Press Ctrl-C to stop.
`);
}

main().catch((error: unknown) => {
  if (error instanceof LocalStackError) {
    console.error(`switchboard: ${error.message}`);
  } else {
    console.error('switchboard: the local stack failed to start:', error);
  }
  process.exit(1);
});

// `npm run channel:register -- <channelId> [--http-api-url=https://…]`: registers a channel's webhook with its provider
// (Telegram setWebhook with the secret token; WhatsApp's subscription and handshake) and prints each step.
// Deployed: AWS credentials, AWS_REGION, TABLE_NAME and HTTP_API_URL (stack outputs) in the environment. Locally
// (no TABLE_NAME): the running `npm start` stack, its table and its fake channel server.

import { registerChannel } from '../shared/use-cases/channel-registration';
import { readLocalStackFile } from './local/demo-commands';
import { LocalStackError } from './local/local-stack-error';

const USAGE =
  'Usage: npm run channel:register -- <channelId> [--http-api-url=<HttpApiUrl output>]\n' +
  '  deployed: TABLE_NAME=… AWS_REGION=… (and AWS credentials); locally: with npm start running';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const channelId = args.find((arg) => !arg.startsWith('--'));
  const urlArg = args.find((arg) => arg.startsWith('--http-api-url='))?.slice('--http-api-url='.length);
  if (!channelId) throw new LocalStackError(USAGE);
  let httpApiUrl = urlArg ?? process.env.HTTP_API_URL;
  if (!process.env.TABLE_NAME) {
    // Local: the stack file `npm start` wrote names its table, endpoints and fake channel APIs.
    const local = await readLocalStackFile();
    Object.assign(process.env, local.env);
    httpApiUrl ??= local.urls.http;
  }
  if (!httpApiUrl) throw new LocalStackError(`Set HTTP_API_URL or pass --http-api-url.\n${USAGE}`);
  const registration = await registerChannel(channelId, httpApiUrl);
  console.log(`Channel ${registration.channelId} (${registration.kind})`);
  if (registration.webhookUrl) console.log(`  webhook URL  ${registration.webhookUrl}`);
  for (const step of registration.steps) console.log(`  ${step.ok ? 'ok  ' : 'FAIL'} ${step.step}: ${step.detail}`);
  for (const line of registration.manual) console.log(`  todo ${line}`);
  return registration.steps.every((step) => step.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`channel:register: ${(error as Error).message}`);
    process.exit(1);
  },
);

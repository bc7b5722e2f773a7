// The whole stack on one machine: DynamoDB Local, S3 (s3rver), SES (aws-ses-v2-local), the local API Gateway and the
// local scheduler, wired through the same environment variables the CDK stack sets on every function.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { ALLOW_LOOPBACK_OUTBOUND_ENV } from '../../shared/channels/outbound-url';
import { resetClients } from '../../shared/platform/aws-clients';
import { schedules, streamConsumers } from '../routes';
import { buildConsole, CONSOLE_PATH, type ConsolePerson, consoleSite } from './console-site';
import { DOCS_PATH, docsSite } from './docs-site';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local';
import { type FakeChannels, startFakeChannels } from './fake-channels';
import { type LocalGateway, startGateway } from './gateway';
import { repoRoot } from './lambda-runtime';
import { assertFetchablePorts, assertPortFree } from './ports';
import { type S3Local, startS3Local } from './s3-local';
import { type LocalScheduler, startScheduler } from './scheduler';
import { DEMO_PEOPLE, type DemoTenant, seedDemoTenant } from './seed';
import { type SesLocal, startSesLocal } from './ses-local';
import { type StreamPoller, startStreamPoller } from './stream-poller';
import { ensureTable } from './table';
import { type LocalTimerQueue, startLocalTimerQueue } from './timer-queue';
import { createTokenIssuer, LOCAL_TOKEN_CLIENT_ID, type TokenIssuer } from './token-issuer';

export interface LocalStackOptions {
  /**
   * Ports are portBase … portBase+6: HTTP API, WebSocket API, DynamoDB Local, S3, SES, fake channel APIs, the timer
   * wake-up queue.
   */
  portBase: number;
  /** Keep DynamoDB and S3 data under `.local-data/` across restarts. */
  persist: boolean;
  host?: string;
  log?: (line: string) => void;
  /** Seed the demo tenant (default); tests that bring their own data turn it off. */
  seed?: boolean;
  /** How often the stream poller reads the change stream; 0 = only when driven (`streams.drain()`). */
  streamPollMs?: number;
}

/** Lambda polls a stream shard about four times a second; once a second is plenty on one machine. */
const STREAM_POLL_MS = 1000;

export interface LocalStack {
  urls: {
    /** The operator console (console/, served by the local stack only). */
    console: string;
    /** The API documents (docs/api/) as a page and JSON. */
    docs: string;
    http: string;
    webSocket: string;
    management: string;
    dynamoDb: string;
    s3: string;
    ses: string;
    mailbox: string;
    /** The fake Telegram / WhatsApp / `api` callback server (infra/local/fake-channels.ts). */
    channels: string;
    /** The SQS-like queue whose delayed messages wake the timers function (infra/local/timer-queue.ts). */
    timerQueue: string;
  };
  tableName: string;
  bucketName: string;
  gateway: LocalGateway;
  scheduler: LocalScheduler;
  /** Reads the table's change stream and invokes each stream consumer of the route table (search index, …). */
  streams: StreamPoller;
  timerQueue: LocalTimerQueue;
  /** Stands in for the channels' own APIs: records deliveries, serves media, fails on demand. */
  fakeChannels: FakeChannels;
  /** Stands in for the Cognito user pool: mints operator access tokens the gateway and authorizer accept. */
  tokens: TokenIssuer;
  /** The demo tenant's ids, when seeded. */
  demo: DemoTenant | undefined;
  stop(): Promise<void>;
}

export const DEMO_FILE = path.join(repoRoot, '.local-data', 'demo.json');
/** Written by `npm start` once it is up, removed when it stops: what the local commands connect to. */
export const STACK_FILE = path.join(repoRoot, '.local-data', 'stack.json');

export interface LocalStackFile {
  urls: LocalStack['urls'];
  /** The environment the handlers run with (table, endpoints, channel API bases): for commands run beside it. */
  env: Record<string, string>;
  /** Demo operators' access tokens by short name (anna, boris, supervisor, admin). */
  tokens: Record<string, string>;
}

/** The variables of the local stack's environment a command beside it needs to reach the same table and fakes. */
export const LOCAL_STACK_ENV_KEYS = [
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
  'TABLE_NAME',
  'BUCKET_NAME',
  'SES_FROM',
  'DYNAMODB_ENDPOINT',
  'S3_ENDPOINT',
  'SES_ENDPOINT',
  'WS_MANAGEMENT_ENDPOINT',
  'TELEGRAM_API_BASE',
  'WHATSAPP_API_BASE',
  ALLOW_LOOPBACK_OUTBOUND_ENV,
] as const;
export const LOCAL_TABLE = 'switchboard-local';
export const LOCAL_BUCKET = 'switchboard-local-attachments';
export const LOCAL_SES_FROM = 'support@switchboard.local';

export function portsOf(portBase: number) {
  return {
    http: portBase,
    webSocket: portBase + 1,
    dynamoDb: portBase + 2,
    s3: portBase + 3,
    ses: portBase + 4,
    channels: portBase + 5,
    timerQueue: portBase + 6,
  };
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? console.log;
  const ports = portsOf(options.portBase);
  // Every printed token would be refused: the stack verifies tokens by fetching its own keys.
  assertFetchablePorts(ports, options.portBase);
  for (const [what, port] of Object.entries(ports)) await assertPortFree(port, what, host);
  const dataDir = path.join(repoRoot, '.local-data');

  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const stopOne of stops.reverse()) await stopOne().catch(() => undefined);
  };
  try {
    const dynamoDb: DynamoDbLocal = await startDynamoDbLocal({
      port: ports.dynamoDb,
      host,
      ...(options.persist ? { persistDir: path.join(dataDir, 'dynamodb') } : {}),
    });
    stops.push(dynamoDb.stop);
    await ensureTable(dynamoDb.endpoint, LOCAL_TABLE);

    const s3: S3Local = await startS3Local({
      port: ports.s3,
      host,
      bucketName: LOCAL_BUCKET,
      ...(options.persist ? { directory: path.join(dataDir, 's3') } : {}),
    });
    stops.push(s3.stop);
    const ses: SesLocal = await startSesLocal({ port: ports.ses, host });
    stops.push(ses.stop);
    const fakeChannels = await startFakeChannels({ port: ports.channels, host });
    stops.push(fakeChannels.stop);

    // Wake-ups are delivered to the scheduled timers function through the gateway's invoker, once it exists.
    let invokeTimers: (event: SQSEvent) => Promise<unknown> = async () => undefined;
    const timerQueue = await startLocalTimerQueue({
      port: ports.timerQueue,
      host,
      deliver: (event) => invokeTimers(event),
      log,
    });
    stops.push(timerQueue.stop);

    const webSocketBase = `http://${host}:${ports.webSocket}/local`;
    // The HTTP API's URL is the issuer; the gateway serves the issuer's keys at /.well-known/jwks.json.
    const tokens = await createTokenIssuer({ issuer: `http://${host}:${ports.http}`, clientId: LOCAL_TOKEN_CLIENT_ID });
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      TABLE_NAME: LOCAL_TABLE,
      BUCKET_NAME: LOCAL_BUCKET,
      SES_FROM: LOCAL_SES_FROM,
      DYNAMODB_ENDPOINT: dynamoDb.endpoint,
      S3_ENDPOINT: s3.endpoint,
      SES_ENDPOINT: ses.endpoint,
      WS_MANAGEMENT_ENDPOINT: webSocketBase,
      // X3: the fake channel server and demo callbacks live on 127.0.0.1; the AWS stack never sets this.
      [ALLOW_LOOPBACK_OUTBOUND_ENV]: '1',
      ...fakeChannels.env(),
      ...tokens.env(),
      ...timerQueue.env(),
    });
    resetClients();

    // The console's sign-in lists the demo people once they are seeded (below).
    let consolePeople: ConsolePerson[] = [];
    const consolePage = consoleSite({
      files: await buildConsole(),
      webSocketUrl: `ws://${host}:${ports.webSocket}/local`,
      people: () => consolePeople,
      mintToken: (operatorId) => tokens.mintAccessToken(operatorId, { expiresInSeconds: 12 * 3600 }),
    });
    const gateway = await startGateway({
      host,
      httpPort: ports.http,
      wsPort: ports.webSocket,
      jwks: tokens.jwks,
      pages: [consolePage, docsSite()],
      log,
    });
    process.env.PUBLIC_HTTP_URL = gateway.httpUrl;
    stops.push(gateway.close);
    const scheduler = startScheduler({ invoke: gateway.invoke, log });
    const wakeUpEntry = schedules.find((schedule) => schedule.wakeUpQueue)?.entry;
    if (wakeUpEntry) invokeTimers = (event) => gateway.invoke(wakeUpEntry, event);
    stops.push(async () => scheduler.stop());
    const streams = await startStreamPoller({
      endpoint: dynamoDb.endpoint,
      tableName: LOCAL_TABLE,
      consumers: streamConsumers.map((consumer) => ({
        name: consumer.name,
        batchSize: consumer.batchSize,
        retryAttempts: consumer.retryAttempts,
        handle: (event) => gateway.invoke(consumer.entry, event),
      })),
      intervalMs: options.streamPollMs ?? STREAM_POLL_MS,
      log,
    });
    stops.push(async () => streams.stop());
    const demo =
      options.seed === false
        ? undefined
        : await seedDemoTenant({ apiCallbackUrl: `${fakeChannels.url}/api-callback/crm` });
    if (demo) {
      consolePeople = DEMO_PEOPLE.map(([key, role, name]) => ({ key, role, name, operatorId: demo.operators[key] }));
      // `npm run say` finds the demo widget here.
      await mkdir(path.dirname(DEMO_FILE), { recursive: true });
      await writeFile(DEMO_FILE, JSON.stringify(demo, null, 2));
    }

    return {
      urls: {
        console: `${gateway.httpUrl}${CONSOLE_PATH}`,
        docs: `${gateway.httpUrl}${DOCS_PATH}`,
        http: gateway.httpUrl,
        webSocket: gateway.wsUrl,
        management: gateway.managementEndpoint,
        dynamoDb: dynamoDb.endpoint,
        s3: s3.endpoint,
        ses: ses.endpoint,
        mailbox: ses.mailboxUrl,
        channels: fakeChannels.url,
        timerQueue: timerQueue.url,
      },
      tableName: LOCAL_TABLE,
      bucketName: LOCAL_BUCKET,
      gateway,
      scheduler,
      streams,
      timerQueue,
      fakeChannels,
      tokens,
      demo,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

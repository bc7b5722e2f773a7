// CPU per inbound message in the handler path: the webhook function's deployed bundle runs in a Node process of its
// own, as one warm Lambda instance, and its process CPU is measured over a run of signed requests built beforehand —
// so neither the load generator, the local gateway nor DynamoDB Local's JVM is counted.
import { fork } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { keys } from '../shared/store/keys';
import { buildBundle } from './bundles';
import { type Bench, signBody, WEBHOOK_ROUTE } from './harness';

export interface CpuBatch {
  name: string;
  messages: number;
  /** User + system CPU of the function's process while it handled the batch, per message. */
  cpuMsPerMessage: number;
  /** The user part of it (the rest is the kernel's: socket reads and writes). */
  userMsPerMessage: number;
  /** Wall time per message, the DynamoDB and gateway round trips included. */
  wallMsPerMessage: number;
  /** Answers by HTTP status (all 200 in a good run). */
  statuses: Record<string, number>;
}

export interface CpuResult {
  entry: string;
  node: string;
  /** Requests handled before measuring: module init, JIT, kept channel and connection pools warm. */
  warmUp: number;
  batches: CpuBatch[];
  /**
   * CPU of one DynamoDB call as the functions make it (a consistent GetItem of the channel's item through the shared
   * document client, bundled like a function, one at a time in the same process): the SDK's share of every call.
   */
  dynamoCallCpuMs: number;
  /** Where the CPU profile was written when BENCH_CPU_PROFILE named a directory. */
  profileDir?: string;
}

const ENTRY = 'functions/http/channel-webhook.ts';
const WARM_UP_CLIENTS = 20;
const WARM_UP_PER_CLIENT = 3;
const EXISTING = 300;
const OPENING = 50;
const CALLS = 300;

/** The function's side of the measurement: a plain ES module the child process runs, importing the bundle. */
const INSTANCE = `
const { handler } = await import(process.argv[2]);
const { handler: oneCall } = await import(process.argv[3]);
const context = {
  functionName: 'switchboard-bench-channel-webhook', functionVersion: '$LATEST', memoryLimitInMB: '1024',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:switchboard-bench-channel-webhook',
  awsRequestId: 'bench', logGroupName: 'bench', logStreamName: 'bench', callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 29000,
};
process.once('message', async (batches) => {
  const results = [];
  for (const batch of batches) {
    const statuses = {};
    const cpu = process.cpuUsage();
    const started = performance.now();
    const run = batch.call ? oneCall : handler;
    for (const event of batch.events) {
      const result = await run(event, { ...context, awsRequestId: event.requestContext?.requestId ?? 'call' });
      const status = String(result?.statusCode ?? 200);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    const used = process.cpuUsage(cpu);
    results.push({
      name: batch.name, cpuMs: (used.user + used.system) / 1000, userMs: used.user / 1000,
      wallMs: performance.now() - started, statuses,
    });
  }
  process.send(results, () => process.disconnect());
});
process.send('ready');
`;

export async function measureCpu(bench: Bench): Promise<CpuResult | undefined> {
  if (!bench.webhookRoute) return undefined;
  const profileDir = process.env.BENCH_CPU_PROFILE ? path.resolve(process.env.BENCH_CPU_PROFILE) : undefined;
  const dir = await mkdtemp(path.join(tmpdir(), 'switchboard-cpu-'));
  try {
    const bundle = path.join(dir, 'index.mjs');
    await buildBundle(ENTRY, bundle, { readable: profileDir !== undefined });
    const callBundle = path.join(dir, 'call.mjs');
    await buildBundle('bench/cpu-call.ts', callBundle);
    const instance = path.join(dir, 'instance.mjs');
    await writeFile(instance, INSTANCE);
    if (profileDir) await mkdir(profileDir, { recursive: true });

    let serial = 0;
    const event = (userId: string) => webhookEvent(bench, `cpu-${++serial}`, userId);
    const warm = Array.from({ length: WARM_UP_CLIENTS * WARM_UP_PER_CLIENT }, (_, i) =>
      event(`cpu-${i % WARM_UP_CLIENTS}`),
    );
    // Texts to the open tickets the warm-up opened (the common case), then clients writing for the first time.
    const existing = Array.from({ length: EXISTING }, (_, i) => event(`cpu-${i % WARM_UP_CLIENTS}`));
    const opening = Array.from({ length: OPENING }, (_, i) => event(`cpu-new-${i}`));
    const key = keys.channel(bench.demo.channels.api);

    const child = fork(instance, [pathToFileURL(bundle).href, pathToFileURL(callBundle).href], {
      // The function's configuration, as the local stack gives it to every handler.
      env: { ...process.env, NODE_OPTIONS: '' },
      execArgv: ['--enable-source-maps', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const results = await new Promise<
      Array<{ name: string; cpuMs: number; userMs: number; wallMs: number; statuses: Record<string, number> }>
    >((resolve, reject) => {
      child.on('message', (message) => {
        if (message === 'ready') {
          child.send([
            { name: 'warm-up', events: warm },
            { name: 'text to an open ticket', events: existing },
            { name: 'opens a ticket', events: opening },
            { name: 'one GetItem', call: true, events: Array.from({ length: CALLS }, () => ({ key })) },
          ]);
        } else resolve(message as never);
      });
      child.once('exit', (code) => reject(new Error(`the function process exited (${code}): ${stderr.slice(-2000)}`)));
    });
    await exited;
    const calls = results.at(-1);
    const batches = results.slice(1, -1).map((batch): CpuBatch => {
      const messages = batch.name === 'opens a ticket' ? OPENING : EXISTING;
      return {
        name: batch.name,
        messages,
        cpuMsPerMessage: batch.cpuMs / messages,
        userMsPerMessage: batch.userMs / messages,
        wallMsPerMessage: batch.wallMs / messages,
        statuses: batch.statuses,
      };
    });
    return {
      entry: ENTRY,
      node: process.version,
      warmUp: warm.length,
      batches,
      dynamoCallCpuMs: (calls?.cpuMs ?? 0) / CALLS,
      ...(profileDir ? { profileDir } : {}),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A signed `api` channel message as API Gateway hands it to the function (payload 2.0). */
function webhookEvent(bench: Bench, messageId: string, userId: string): APIGatewayProxyEventV2 {
  const channelId = bench.demo.channels.api;
  const body = JSON.stringify({
    type: 'message',
    messageId,
    user: { id: userId, name: `Client ${userId}` },
    text: 'My card is blocked, can you help?',
  });
  const now = new Date();
  const timestamp = Math.floor(now.getTime() / 1000);
  const rawPath = `/channels/${channelId}/webhook`;
  return {
    version: '2.0',
    routeKey: WEBHOOK_ROUTE,
    rawPath,
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      'x-switchboard-timestamp': String(timestamp),
      'x-switchboard-signature': signBody(bench.demo.webhookSecrets[channelId] ?? '', timestamp, body),
    },
    pathParameters: { channelId },
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'bench.local',
      domainPrefix: 'bench',
      http: { method: 'POST', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'bench' },
      requestId: `cpu-${messageId}`,
      routeKey: WEBHOOK_ROUTE,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body,
    isBase64Encoded: false,
  };
}

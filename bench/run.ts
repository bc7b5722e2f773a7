// `npm run bench`: runs every measurement once on the in-process local stack and writes bench/results/<date>.*.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { scheduledEvent } from '../infra/local/scheduler';
import { localDynamoClient } from '../infra/local/table';
import { schedules } from '../infra/routes';
import { allIndexes, tableDefinition } from '../shared/store/keys';
import { measureBundles } from './bundles';
import { benchChart } from './chart';
import { costModel } from './cost';
import { measureCpu } from './cpu';
import { measureFanOut } from './fanout';
import { measureFloor } from './floor';
import { type Bench, benchPorts, OperatorSocket, startBench } from './harness';
import { measureLatency } from './latency';
import { callLog, itemSize, totalsOf } from './meter';
import { type BenchResults, markdownReport, summaryTable } from './report';
import { measureSearch } from './search';
import { measureThroughput } from './throughput';
import { measureUnits, type OperationUnits } from './units';

const RESULTS_DIR = path.resolve(import.meta.dirname, 'results');

async function main(): Promise<void> {
  // The SDK warns about Node 20 on first use; the deployed functions run Node 24.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const startedAt = new Date();
  const loadAtStart = os.loadavg();
  const t0 = performance.now();
  const step = (what: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${what}`);

  step(`starting the local stack (ports ${benchPorts()})`);
  const bench = await startBench();
  if (!bench.webhookRoute) {
    step('the signed webhook route is not served: client messages go through ingestClientMessage directly');
  }
  let measured: Omit<
    BenchResults,
    'bundles' | 'cost' | 'seconds' | 'startedAt' | 'machine' | 'load' | 'idle' | 'failures'
  >;
  let idle: BenchResults['idle'];
  try {
    step('idle: one timers sweep, table size');
    idle = { ...(await measureSweep(bench)), tableBytes: await tableBytes(bench) };

    const { anna, supervisor, admin } = bench.demo.operators;
    const desk = {
      anna: await OperatorSocket.connect(bench, anna),
      supervisor: await OperatorSocket.connect(bench, supervisor),
      admin: await OperatorSocket.connect(bench, admin),
    };
    step('floor: PutItem and one WebSocket frame');
    const floor = await measureFloor(bench, desk.anna);
    step('latency: 1000 client messages, one at a time');
    const latency = await measureLatency(bench, desk.anna);
    step('units: DynamoDB per operation');
    const units = await measureUnits(bench, desk);
    // Two operators receive each message (Anna in the group, the supervisor as staff), as the cost model assumes.
    await desk.admin.close();
    step('cpu: the webhook function in a process of its own, per inbound message');
    const cpu = await measureCpu(bench);
    step('throughput: a bounded burst of client messages');
    const throughput = await measureThroughput(bench);
    step('search: time to searchable, index write units, result pages');
    const search = await measureSearch(bench);
    await Promise.all(Object.values(desk).map((socket) => socket.close()));
    step('fan-out: up to 1000 connected operators');
    const fanOut = await measureFanOut(bench);
    measured = { ingestPath: latency.path, floor, latency, units, throughput, fanOut, search, ...(cpu ? { cpu } : {}) };
  } finally {
    step('stopping the local stack');
    await bench.stop();
  }

  step('bundles: size and cold module init of every function');
  const bundles = await measureBundles();
  const op = (key: string) => measured.units.operations.find((o) => o.key === key) as OperationUnits;
  const cost = costModel({
    message: op('ingestInProgress').totals,
    opening: op('ingestNew').totals,
    webhookMs: measured.latency.responseExisting.p50,
    openingMs: measured.latency.responseOpening.p50,
    sweep: idle.sweep,
    sweepMs: idle.sweepMs,
    tableBytes: idle.tableBytes,
  });
  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    seconds: (performance.now() - t0) / 1000,
    machine: { node: process.version, cpus: os.cpus().length, platform: `${os.platform()} ${os.arch()}` },
    load: { start: loadAtStart, end: os.loadavg() },
    ...measured,
    idle,
    bundles,
    cost,
    failures: bench.failures,
  };

  const date = startedAt.toISOString().slice(0, 10);
  await mkdir(RESULTS_DIR, { recursive: true });
  const files = {
    json: path.join(RESULTS_DIR, `${date}.json`),
    summary: path.join(RESULTS_DIR, `${date}.md`),
    chart: path.join(RESULTS_DIR, `${date}.svg`),
  };
  await writeFile(files.json, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(files.summary, markdownReport(results));
  await writeFile(files.chart, benchChart(measured.latency, measured.floor, measured.fanOut));
  step('done');
  console.log(`\n${summaryTable(results)}\n`);
  for (const file of Object.values(files)) console.log(`wrote ${path.relative(process.cwd(), file)}`);
  if (bench.failures.length) console.log(`${bench.failures.length} failures were logged; see the summary.`);
  const busiest = Math.max(loadAtStart[0] ?? 0, results.load.end[0] ?? 0);
  if (busiest > results.machine.cpus) {
    console.log(
      `The machine was busy (load ${busiest.toFixed(1)} on ${results.machine.cpus} CPUs): timings are pessimistic.`,
    );
  }
}

/** One sweep of the timers schedule with nothing due (the first invocation loads the module and is not timed). */
async function measureSweep(bench: Bench) {
  const schedule = schedules[0];
  if (!schedule) throw new Error('the route table has no schedule');
  await bench.stack.gateway.invoke(schedule.entry, scheduledEvent(schedule, new Date()));
  const started = performance.now();
  const { recording } = await bench.meter.measure(() =>
    bench.stack.gateway.invoke(schedule.entry, scheduledEvent(schedule, new Date())),
  );
  return { sweep: totalsOf(recording), sweepLog: callLog(recording), sweepMs: performance.now() - started };
}

/** Stored bytes as DynamoDB bills them: every item plus 100 bytes, and again for each index that holds it. */
async function tableBytes(bench: Bench): Promise<number> {
  const client = localDynamoClient(bench.stack.urls.dynamoDb);
  let bytes = 0;
  try {
    let startKey: ScanCommandOutput['LastEvaluatedKey'];
    do {
      const page = await client.send(
        new ScanCommand({ TableName: bench.stack.tableName, ExclusiveStartKey: startKey }),
      );
      for (const item of page.Items ?? []) {
        const copies =
          1 + allIndexes(tableDefinition).filter((index) => item[index.partitionKey] && item[index.sortKey]).length;
        bytes += copies * (itemSize(item) + 100);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  } finally {
    client.destroy();
  }
  return bytes;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

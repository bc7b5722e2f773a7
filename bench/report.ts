// The readable summary of a bench run: figure | measured | target | ok?, the detail, and where each number comes from.

import type { BundlesResult } from './bundles';
import type { CostResult } from './cost';
import type { CpuResult } from './cpu';
import type { FanOutResult } from './fanout';
import type { FloorResult } from './floor';
import type { LatencyResult } from './latency';
import type { RecordingTotals } from './meter';
import type { SearchBenchResult } from './search';
import type { ThroughputResult } from './throughput';
import type { OperationUnits, UnitsResult } from './units';

export interface BenchResults {
  startedAt: string;
  seconds: number;
  machine: { node: string; cpus: number; platform: string };
  /** os.loadavg() when the run started and ended: timings on a busy machine are slower than the code. */
  load: { start: number[]; end: number[] };
  ingestPath: 'webhook' | 'ingestClientMessage';
  floor: FloorResult;
  latency: LatencyResult;
  units: UnitsResult;
  throughput: ThroughputResult;
  fanOut: FanOutResult;
  bundles: BundlesResult;
  cost: CostResult;
  /** One timers sweep with nothing due, and the demo tenant's stored bytes: the inputs of the idle cost. */
  idle: { sweep: RecordingTotals; sweepLog: string[]; sweepMs: number; tableBytes: number };
  /** Gateway log lines reporting a failure during the run. */
  failures: string[];
  /** M8: time to searchable, index write units, result-page reads. */
  search?: SearchBenchResult;
  /** CPU per inbound message in the webhook function's own process (absent when the webhook route is not served). */
  cpu?: CpuResult;
}

export interface SummaryRow {
  figure: string;
  measured: string;
  target: string;
  /** undefined: no target. */
  ok: boolean | undefined;
}

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const usd = (value: number) => `$${value < 0.1 ? value.toFixed(4) : value.toFixed(2)}`;

export function summaryRows(results: BenchResults): SummaryRow[] {
  const { floor, latency, units, throughput, fanOut, bundles, cost } = results;
  const op = (key: string) => units.operations.find((operation) => operation.key === key) as OperationUnits;
  const ratio50 = latency.frame.p50 / floor.combined.p50;
  const ratio99 = latency.frame.p99 / floor.combined.p99;
  const rows: SummaryRow[] = [
    row('floor: DynamoDB Local PutItem p50 / p99', `${ms(floor.putItem.p50)} / ${ms(floor.putItem.p99)}`),
    row(
      'floor: one WebSocket frame (management post → socket) p50 / p99',
      `${ms(floor.frame.p50)} / ${ms(floor.frame.p99)}`,
    ),
    row(
      `${latency.path} → operator frame p50 / p95 / p99 (n=${latency.messages})`,
      `${ms(latency.frame.p50)} / ${ms(latency.frame.p95)} / ${ms(latency.frame.p99)}`,
    ),
    row('latency p50 ÷ floor p50 (PutItem + frame)', `${ratio50.toFixed(2)}×`, '≤ 3×', ratio50 <= 3),
    row('latency p99 ÷ floor p99 (PutItem + frame)', `${ratio99.toFixed(2)}×`, '≤ 10×', ratio99 <= 10),
  ];
  if (results.search) rows.push(...searchRows(results.search));
  // The whole webhook request: ≤ 3 when it reads its channel, ≤ 2 when the channel is kept by the instance.
  const roundTripTargets: Array<[string, number]> = [
    ['ingestColdChannel', 3],
    ['ingestExisting', 2],
    ['ingestInProgress', 2],
    ['ingestUseCase', 2],
    ['ingestUseCaseInProgress', 2],
  ];
  for (const [key, target] of roundTripTargets) {
    const operation = units.operations.find((o) => o.key === key);
    if (!operation) continue;
    const { label, via, totals } = operation;
    rows.push(
      row(
        `sequential DynamoDB round trips: ${label} (${via})`,
        String(totals.roundTrips),
        `≤ ${target}`,
        totals.roundTrips <= target,
      ),
    );
  }
  const writeTargets: Array<[string, number]> = [
    ['ingestExisting', 5],
    ['ingestInProgress', 5],
    ['ingestNew', 10],
  ];
  for (const [key, target] of writeTargets) {
    const { label, totals } = op(key);
    rows.push(
      row(
        `WCU: ${label}`,
        `${totals.writeUnits} (${totals.writeUnitsTable} table + ${totals.writeUnitsIndexes} GSI)`,
        `≤ ${target}`,
        totals.writeUnits <= target,
      ),
    );
  }
  // R4: each recipient gets one WebSocket message per change (the assignee's counters ride in the same message).
  const assigned = op('ingestInProgress').totals;
  const perRecipient = assigned.recipients ? assigned.posts / assigned.recipients : 0;
  rows.push(
    row(
      'WebSocket messages per recipient per client message (ticket in progress; assignee and staff)',
      `${perRecipient.toFixed(2)} (${assigned.posts} posts to ${assigned.recipients} connections)`,
      '1',
      perRecipient === 1,
    ),
  );
  for (const key of ['listPage', 'listPageAll']) {
    const { label, queryItemsRead, totals } = op(key);
    rows.push(
      row(
        `items read by the list: ${label}`,
        `${queryItemsRead} (${totals.itemsRead} with the adapter's lookups)`,
        `≤ ${units.pageSize + 2}`,
        queryItemsRead <= units.pageSize + 2,
      ),
    );
  }
  const history = op('historyPage');
  rows.push(row(`items read: ${history.label}`, `${history.queryItemsRead} (${history.totals.itemsRead} in all)`));
  const last = fanOut.points.at(-1);
  if (last) {
    rows.push(
      row(
        `fan-out, ${last.connected} connected, ${fanOut.visible} may see: posts / items read (ours)`,
        `${last.ours.posts} / ${last.ours.itemsRead}`,
        `= ${fanOut.visible} posts`,
        last.ours.posts === fanOut.visible,
      ),
      row(
        `fan-out, ${last.connected} connected: posts / items read (AWS sample's Scan broadcast)`,
        `${last.baseline.posts} / ${last.baseline.itemsRead}`,
      ),
    );
  }
  rows.push(
    row(
      `sustained ingest (${throughput.path}, ${throughput.clients} clients, concurrency ${throughput.concurrency})`,
      `${throughput.messagesPerSecond.toFixed(0)} msg/s (${throughput.acknowledged} in ${throughput.seconds.toFixed(1)} s)`,
      '≥ 200 msg/s',
      throughput.messagesPerSecond >= 200,
    ),
    row(
      'messages lost / stored twice',
      `${throughput.lost} / ${throughput.duplicates}`,
      '0 / 0',
      throughput.lost === 0 && throughput.duplicates === 0,
    ),
  );
  if (results.cpu) {
    const { batches, dynamoCallCpuMs } = results.cpu;
    const text = batches.find((batch) => batch.name === 'text to an open ticket');
    const opening = batches.find((batch) => batch.name === 'opens a ticket');
    if (text && opening) {
      rows.push(
        row(
          'CPU per inbound message in the webhook function (own process): text to an open ticket / opens a ticket',
          `${ms(text.cpuMsPerMessage)} / ${ms(opening.cpuMsPerMessage)}`,
          '≤ 5 ms',
          text.cpuMsPerMessage <= 5,
        ),
        row(
          'CPU of one DynamoDB call (GetItem) in the same process; a text to an open ticket in such calls',
          `${ms(dynamoCallCpuMs)}; ${(text.cpuMsPerMessage / dynamoCallCpuMs).toFixed(1)}`,
        ),
      );
    }
  }
  const largest = [...bundles.bundles].sort((a, b) => b.bytes - a.bytes)[0];
  const slowest = [...bundles.bundles].sort((a, b) => b.initCpuMs - a.initCpuMs)[0];
  if (largest && slowest) {
    const over = bundles.bundles.filter((b) => b.bytes > 600 * 1024).length;
    rows.push(
      row(
        `largest bundle (${largest.entry})`,
        `${kb(largest.bytes)}${over ? ` (${over} of ${bundles.bundles.length} over)` : ''}`,
        '≤ 600 KB',
        largest.bytes <= 600 * 1024,
      ),
      row(
        `slowest cold module init, CPU time (${slowest.entry}, source maps on)`,
        `${ms(slowest.initCpuMs)} (wall ${ms(slowest.initWallMs)})`,
        '≤ 150 ms',
        slowest.initCpuMs <= 150,
      ),
    );
  }
  const main = cost.perMillionMessages[0];
  if (main) {
    rows.push(
      row(
        `$ per 1M client messages, ${cost.recipients} operators each (${main.name})`,
        usd(main.total),
        '≤ $7',
        main.total <= 7,
      ),
    );
  }
  rows.push(row('idle $ per month', usd(cost.idlePerMonth.total)));
  return rows;
}

/** M8 rows: the targets are p95 ≤ 30 s, ≤ 1 index write unit per message at sustained load, page reads ≤ 3× size. */
function searchRows(search: SearchBenchResult): SummaryRow[] {
  const { sustained, trickle } = search;
  const worst = search.pages.reduce((most, page) => Math.max(most, page.itemsRead / page.limit), 0);
  return [
    row(
      `search: message → searchable p50 / p95 (batching window ${search.batchingWindowSeconds} s, n=${sustained.timeToSearchable.n})`,
      `${(sustained.timeToSearchable.p50 / 1000).toFixed(1)} / ${(sustained.timeToSearchable.p95 / 1000).toFixed(1)} s`,
      'p95 ≤ 30 s',
      sustained.timeToSearchable.p95 <= 30_000,
    ),
    row(
      `search: index WCU per message at ${sustained.messagesPerSecond.toFixed(0)} msg/s (${sustained.messages} messages, ${sustained.batches} batches)`,
      sustained.writeUnitsPerMessage.toFixed(2),
      '≤ 1',
      sustained.writeUnitsPerMessage <= 1,
    ),
    row('search: index WCU per message at 1 message / 10 s', trickle.writeUnitsPerMessage.toFixed(1)),
    row(
      'search: items read by a result page ÷ its size, worst of the sampled pages',
      worst.toFixed(2),
      '≤ 3',
      worst <= 3,
    ),
  ];
}

function row(figure: string, measured: string, target = '—', ok?: boolean): SummaryRow {
  return { figure, measured, target, ok };
}

const mark = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'yes' : 'NO');

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function summaryTable(results: BenchResults): string {
  return table(
    ['figure', 'measured', 'target', 'ok?'],
    summaryRows(results).map((r) => [r.figure, r.measured, r.target, mark(r.ok)]),
  );
}

export function markdownReport(results: BenchResults): string {
  const { floor, latency, units, throughput, fanOut, bundles, cost } = results;
  const d = (x: { p50: number; p95: number; p99: number; max: number }) =>
    `${ms(x.p50)} / ${ms(x.p95)} / ${ms(x.p99)} / ${ms(x.max)}`;
  const sections = [
    `# Switchboard bench, ${results.startedAt}`,
    `Node ${results.machine.node}, ${results.machine.cpus} CPUs, ${results.machine.platform}; run took ${results.seconds.toFixed(0)} s; ` +
      `load average ${results.load.start.map((l) => l.toFixed(1)).join(' ')} at the start, ${results.load.end.map((l) => l.toFixed(1)).join(' ')} at the end. ` +
      `Client messages went through ${results.ingestPath === 'webhook' ? 'the signed `api` channel webhook' : '`ingestClientMessage` directly: the webhook route was not served'}.`,
    summaryTable(results),
    '## Latency (p50 / p95 / p99 / max)',
    table(
      ['what', 'n', 'p50 / p95 / p99 / max'],
      [
        ['PutItem (floor)', String(floor.putItem.n), d(floor.putItem)],
        ['management post → frame (floor)', String(floor.frame.n), d(floor.frame)],
        [`${latency.path} → frame, all`, String(latency.frame.n), d(latency.frame)],
        ['… message opened a ticket', String(latency.frameOpening.n), d(latency.frameOpening)],
        ['… message to an open ticket', String(latency.frameExisting.n), d(latency.frameExisting)],
        [
          `${latency.path} → HTTP response, open ticket`,
          String(latency.responseExisting.n),
          d(latency.responseExisting),
        ],
        ['→ HTTP response under sustained load', String(throughput.response.n), d(throughput.response)],
      ],
    ),
    '## DynamoDB per operation (largest of 5 repetitions)',
    table(
      [
        'operation',
        'via',
        'round trips',
        'calls',
        'items read',
        'RCU',
        'WCU table + GSI',
        'WCU DynamoDB Local says',
        'posts',
      ],
      units.operations.map((o) => [
        o.label,
        o.via,
        String(o.totals.roundTrips),
        String(o.totals.calls),
        String(o.totals.itemsRead),
        String(o.totals.readUnits),
        `${o.totals.writeUnits} = ${o.totals.writeUnitsTable} + ${o.totals.writeUnitsIndexes}`,
        String(o.totals.reportedWriteUnits),
        `${o.totals.posts} → ${o.totals.recipients}`,
      ]),
    ),
    '## Fan-out of one ticket frame',
    `${fanOut.visible} operators may see the ticket (its group, the supervisor, the admin); the others sit in ${fanOut.groupsOfOthers} other groups. ` +
      `Connecting ${fanOut.points.at(-1)?.connected ?? 0} real sockets took ${fanOut.connectSeconds.toFixed(1)} s.`,
    table(
      [
        'connected',
        'ours: queries / items read / RCU / posts / ms',
        'AWS sample: scans / items read / RCU / posts / ms',
      ],
      fanOut.points.map((p) => [
        String(p.connected),
        `${p.ours.queries} / ${p.ours.itemsRead} / ${p.ours.readUnits} / ${p.ours.posts} / ${p.ours.ms.toFixed(1)}`,
        `${p.baseline.queries} / ${p.baseline.itemsRead} / ${p.baseline.readUnits} / ${p.baseline.posts} / ${p.baseline.ms.toFixed(1)}`,
      ]),
    ),
    '## Sustained ingest',
    `${throughput.sent} of ${throughput.planned} planned messages sent from ${throughput.clients} clients at concurrency ${throughput.concurrency} ` +
      `(20 s bound); ${throughput.acknowledged} acknowledged in ${throughput.seconds.toFixed(1)} s = ${throughput.messagesPerSecond.toFixed(0)} msg/s; ` +
      `refused: ${JSON.stringify(throughput.refused)}; read back: ${throughput.lost} lost, ${throughput.duplicates} stored twice. ` +
      `The one Node process (gateway, handlers, SDK clients and load generator) used ${throughput.nodeCpuMsPerMessage.toFixed(1)} ms of CPU per message.`,
    '## Function bundles',
    table(
      [
        'entry',
        'minified',
        `init CPU ms (median of ${bundles.runs}, source maps on)`,
        'init wall ms (fastest)',
        'init CPU ms, source maps off',
      ],
      bundles.bundles.map((b) => [
        b.entry,
        kb(b.bytes),
        b.initCpuMs.toFixed(1),
        b.initWallMs.toFixed(1),
        b.initCpuMsNoSourceMaps.toFixed(1),
      ]),
    ),
    `## Cost model (prices of ${cost.pricesTakenOn}, us-east-1, bench/prices.ts)`,
    ...cost.perMillionMessages.map(
      (s) =>
        `### Per 1M client messages: ${s.name}, ${cost.recipients} operators receiving each — ${usd(s.total)}\n\n` +
        table(
          ['item', 'per message', '$ per 1M', 'basis'],
          s.lines.map((l) => [l.item, l.quantity.toFixed(4), usd(l.dollars), l.basis]),
        ),
    ),
    `### ${cost.idlePerMonth.name} — ${usd(cost.idlePerMonth.total)}\n\n` +
      table(
        ['item', 'per month', '$', 'basis'],
        cost.idlePerMonth.lines.map((l) => [l.item, l.quantity.toPrecision(4), usd(l.dollars), l.basis]),
      ),
    `An operator online 8 h × 22 days costs ${usd(cost.operatorOnlinePerMonth)} a month in connection minutes. ` +
      `Not modeled: ${cost.notModeled.join('; ')}.`,
    '## Where the numbers come from',
    [
      '- Latency: `performance.now()` in the bench process, from just before the webhook request until the operator socket receives the `message.created` frame carrying that message; one message at a time.',
      '- Floor: the same clock around a bare `PutItem` on a table without indexes, and around one `PostToConnection` until the frame arrives. The ratios divide by PutItem + frame.',
      "- Round trips, calls, items read: a middleware on the product's own DynamoDB client records every call with its start and end; calls whose intervals overlap count as one round trip. Items read are ScannedCount (Query, Scan) or a found item (GetItem).",
      "- RCU: DynamoDB Local's `ReturnConsumedCapacity: INDEXES`, requested by the middleware on every call, raised to AWS's minimum for a read that finds nothing (½ eventually consistent, 1 strongly), which DynamoDB Local reports as 0.",
      "- WCU: by AWS's documented rules from consistent before/after images of every written item: ⌈larger image ÷ 1 KB⌉ per item, ×2 in a transaction; per GSI one write per entry added, removed or changed, a delete plus a put when the index key changes; GSI writes at the standard rate (assumption). DynamoDB Local's own figure is shown beside it: it is right for single writes but charges a transaction 4× its largest item.",
      '- Posts: a middleware on the management API client counts `PostToConnection` calls and their recipients.',
      "- CPU per message: the webhook function's bundle, built as deployed, runs as one warm instance in a Node process of its own (bench/cpu.ts): 60 requests warm it, then 300 texts to open tickets and 50 first messages are handled one at a time from signed requests built beforehand, with two operators connected; `process.cpuUsage()` of that process over each run, divided by its messages. The load generator, the local gateway and DynamoDB Local's JVM run in other processes and are not counted. The same process then times 300 bare GetItems through the same document client: the SDK's cost of one call.",
      '- Bundles: esbuild with the deployed settings (infra/constructs/switchboard-function.ts), then `await import()` of the bundle timed inside fresh `node` processes; the target is judged on the CPU time of the import (`process.cpuUsage()`), since on a shared machine the wall time is mostly waiting for a core.',
      '- Cost: the counted units × bench/prices.ts; Lambda duration is estimated from the local request time.',
    ].join('\n'),
  ];
  if (results.search) {
    sections.push(
      '## Search (M8): result pages',
      table(
        ['searcher', 'query', 'limit', 'results', 'items read'],
        results.search.pages.map((page) => [
          page.searcher,
          page.query,
          String(page.limit),
          String(page.results),
          String(page.itemsRead),
        ]),
      ),
    );
  }
  if (results.failures.length) {
    sections.push(
      '## Failures logged by the gateway',
      results.failures
        .slice(0, 20)
        .map((f) => `- ${f}`)
        .join('\n'),
    );
  }
  return `${sections.join('\n\n')}\n`;
}

// Every function bundle built as deployed: its minified size and cold module-init time in fresh Node processes.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { lambdaBuildOptions } from '../infra/constructs/switchboard-function';
import { functionIdOf, handlerEntries } from '../infra/routes';
import { percentile } from './stats';

const run = promisify(execFile);

export interface BundleFigures {
  entry: string;
  bytes: number;
  /** CPU time of the import, median of RUNS fresh `node --enable-source-maps` processes (the functions' NODE_OPTIONS). */
  initCpuMs: number;
  /** Wall time of the import, the fastest of those runs; on a busy machine mostly time spent waiting for a core. */
  initWallMs: number;
  /** CPU time of the import without source maps. */
  initCpuMsNoSourceMaps: number;
}

export interface BundlesResult {
  runs: number;
  node: string;
  bundles: BundleFigures[];
}

const RUNS = 3;
const PROBE = [
  'const cpu = process.cpuUsage(); const t = performance.now();',
  'await import(process.argv[1]);',
  'const used = process.cpuUsage(cpu);',
  'console.log(JSON.stringify({ wall: performance.now() - t, cpu: (used.user + used.system) / 1000 }));',
].join(' ');

export async function measureBundles(): Promise<BundlesResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchboard-bench-'));
  const bundles: BundleFigures[] = [];
  try {
    for (const entry of handlerEntries()) {
      const file = path.join(dir, functionIdOf(entry), 'index.mjs');
      await buildBundle(entry, file);
      const bytes = (await stat(file)).size;
      const withMaps = await timeInit(file, ['--enable-source-maps'], RUNS);
      const withoutMaps = await timeInit(file, [], 2);
      bundles.push({
        entry,
        bytes,
        initCpuMs: median(withMaps.map((run) => run.cpu)),
        initWallMs: Math.min(...withMaps.map((run) => run.wall)),
        initCpuMsNoSourceMaps: median(withoutMaps.map((run) => run.cpu)),
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { runs: RUNS, node: process.version, bundles };
}

/** Bundles an entry as it is deployed (minified, source maps, the Lambda aliases); `readable` keeps names for profiles. */
export async function buildBundle(entry: string, outfile: string, options: { readable?: boolean } = {}): Promise<void> {
  const deployed = lambdaBuildOptions(entry);
  await build({ ...deployed, outfile, minify: options.readable ? false : deployed.minify });
}

async function timeInit(file: string, flags: string[], runs: number): Promise<Array<{ wall: number; cpu: number }>> {
  const times: Array<{ wall: number; cpu: number }> = [];
  for (let i = 0; i < runs; i++) {
    const { stdout } = await run(
      process.execPath,
      [...flags, '--input-type=module', '-e', PROBE, pathToFileURL(file).href],
      {
        // What a function sees at init: its configuration, no local endpoints.
        env: {
          PATH: process.env.PATH ?? '',
          AWS_REGION: 'us-east-1',
          TABLE_NAME: 'switchboard-bench',
          BUCKET_NAME: 'switchboard-bench-attachments',
          WS_MANAGEMENT_ENDPOINT: 'https://example.execute-api.us-east-1.amazonaws.com/live',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      },
    );
    times.push(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { wall: number; cpu: number });
  }
  return times;
}

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

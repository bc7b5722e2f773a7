// The local stack's port base (R1: the tokens it prints must be accepted): a base that puts one of its ports on a
// port fetch() refuses is refused at start, in one line, before anything is started.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { portsOf } from '../../infra/local/local-stack';
import { FETCH_BAD_PORTS } from '../../infra/local/ports';

const root = path.resolve(import.meta.dirname, '../..');

function start(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'infra/local/start.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, PORT_BASE: '' },
  });
}

describe('local stack port base', () => {
  it('R1: npm start -- --port-base=6000 exits with one line naming the bad port, having started nothing', () => {
    const run = start(['--port-base=6000']);
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('switchboard: Port base 6000 puts 6000 (http)');
    expect(lines[0]).toContain('6665, 6666, 6667, 6668, 6669, 6679');
    expect(run.stdout).not.toContain('local stack is up');
  });

  it('R1: a base whose fifth port is bad (5056 → 5061 for the fake channels) is refused too', () => {
    const run = start(['--port-base=5056']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('5061 (channels)');
  });

  it("R1: every listed port is one Node's fetch() refuses, and the default base avoids them all", async () => {
    const outcomes = await Promise.all(
      FETCH_BAD_PORTS.filter((port) => port >= 1024).map((port) =>
        fetch(`http://127.0.0.1:${port}/`).then(
          () => 'answered',
          (error: Error & { cause?: Error }) => (error.cause ?? error).message,
        ),
      ),
    );
    expect(new Set(outcomes)).toEqual(new Set(['bad port']));
    expect(Object.values(portsOf(4000)).filter((port) => FETCH_BAD_PORTS.includes(port))).toEqual([]);
  });
});

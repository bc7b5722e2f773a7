// The local stack stops cleanly however it is stopped (OP4: a smooth first run): SIGTERM to the `npm start`
// process, as a process manager or `timeout` sends it, or that npm process dying outright, leaves no listening port
// and no DynamoDB Local Java process behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { portsOf } from '../../infra/local/local-stack';
import { assertPortFree } from '../../infra/local/ports';
import { freePortBase } from '../support/ports';

const root = path.resolve(import.meta.dirname, '../..');

/** Pids of Java processes running DynamoDB Local on `port`. */
function dynamoDbJavaOn(port: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (
        args[0]?.endsWith('java') &&
        args.some((a) => a.endsWith('DynamoDBLocal.jar')) &&
        args.includes(String(port))
      ) {
        pids.push(Number(entry));
      }
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

async function startNpm(base: number): Promise<ChildProcess> {
  const { PORT_BASE: _portBase, ...env } = process.env;
  const npm = spawn('npm', ['start', '--', `--port-base=${base}`], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${output}`)), 150_000);
    const seen = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('local stack is up')) {
        clearTimeout(timer);
        resolve();
      }
    };
    npm.stdout?.on('data', seen);
    npm.stderr?.on('data', seen);
    npm.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
  });
  return npm;
}

async function expectStopped(base: number): Promise<void> {
  const ports = Object.values(portsOf(base));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const open = (
      await Promise.all(
        ports.map((port) =>
          assertPortFree(port, 'test').then(
            () => undefined,
            () => port,
          ),
        ),
      )
    ).filter((port) => port !== undefined);
    const java = dynamoDbJavaOn(portsOf(base).dynamoDb);
    if (open.length === 0 && java.length === 0) return;
    if (Date.now() > deadline) {
      expect({ listening: open, java }).toEqual({ listening: [], java: [] });
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('Stopping the local stack', () => {
  it('OP4: SIGTERM to the npm start process closes every port and stops DynamoDB Local’s Java', async () => {
    const base = await freePortBase();
    const npm = await startNpm(base);
    expect(dynamoDbJavaOn(portsOf(base).dynamoDb)).toHaveLength(1);
    const exited = new Promise((resolve) => npm.once('exit', resolve));
    npm.kill('SIGTERM');
    await exited;
    await expectStopped(base);
  }, 240_000);

  it('OP4: the npm start process killed outright (SIGKILL, its parent gone) still takes the stack down', async () => {
    const base = await freePortBase();
    const npm = await startNpm(base);
    npm.kill('SIGKILL');
    await expectStopped(base);
  }, 240_000);
});

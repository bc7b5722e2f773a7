// Runs AWS's DynamoDB Local (the jar shipped in the amplify-dynamodb-simulator package) as a child process that
// cannot outlive its parent: a shell watchdog stops Java as soon as our stdin pipe closes, even after a hard kill.
// It listens on 127.0.0.1 only, like every other part of the local stack: the jar's own launcher binds every interface
// and has no option for it, so infra/local/java/LoopbackDynamoDbLocal.java starts it bound to the host instead.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LocalStackError } from './local-stack-error';
import { localDynamoClient } from './table';

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  port: number;
  host?: string;
  /** Keep data in this folder across restarts; in memory when unset. */
  persistDir?: string;
}

export function dynamoDbLocalJar(): string {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('amplify-dynamodb-simulator/package.json');
  return path.join(path.dirname(packageJson), 'emulator', 'DynamoDBLocal.jar');
}

/** The launcher that binds DynamoDB Local to one address, run from source by Java (no build step, no class file). */
export const LOOPBACK_LAUNCHER = path.join(import.meta.dirname, 'java', 'LoopbackDynamoDbLocal.java');

/** The java command line: the jar on the class path, the launcher with the address to bind, then the jar's options. */
export function dynamoDbLocalCommand(options: DynamoDbLocalOptions): string[] {
  const jar = dynamoDbLocalJar();
  const host = options.host ?? '127.0.0.1';
  const storage = options.persistDir ? ['-sharedDb', '-dbPath', options.persistDir] : ['-inMemory'];
  return [
    'java',
    `-Djava.library.path=${path.join(path.dirname(jar), 'DynamoDBLocal_lib')}`,
    '-cp',
    jar,
    LOOPBACK_LAUNCHER,
    host,
    ...storage,
    '-port',
    String(options.port),
    '-disableTelemetry',
  ];
}

/** Fails with one readable line when Java is missing or older than 17, or cannot run a source file. */
export function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error) {
    throw new LocalStackError(
      'Java 17+ is required for DynamoDB Local but `java` was not found (Debian: apt-get install openjdk-17-jre-headless).',
    );
  }
  const match = /version "(\d+)/.exec(`${probe.stderr}${probe.stdout}`);
  const major = match ? Number(match[1]) : 0;
  if (major < 17)
    throw new LocalStackError(`Java 17+ is required for DynamoDB Local; found Java ${major || 'unknown'}.`);
  const modules = spawnSync('java', ['--list-modules'], { encoding: 'utf8' });
  if (!/^jdk\.compiler@/m.test(modules.stdout ?? '')) {
    throw new LocalStackError(
      "DynamoDB Local is started bound to 127.0.0.1 by a Java source file, which needs Java's jdk.compiler module (Debian's openjdk-17-jre-headless has it; elsewhere install a JDK).",
    );
  }
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  assertJava();
  const host = options.host ?? '127.0.0.1';
  const jar = dynamoDbLocalJar();
  if (options.persistDir) mkdirSync(options.persistDir, { recursive: true });
  const command = dynamoDbLocalCommand(options).map(quote).join(' ');
  // The watchdog: Java runs in the background; when stdin closes (we stop, or we die), the shell kills it. The shell
  // itself waits on Java, so Java ending on its own (its port taken, say) ends the child at once with Java's output.
  // (A background job's stdin is /dev/null unless redirected, hence the copy of ours on descriptor 3.)
  const watchdog = `exec 3<&0; ${command} <&- & java_pid=$!; { cat <&3 >/dev/null; kill $java_pid 2>/dev/null; } & wait $java_pid`;
  const child = spawn('bash', ['-c', watchdog], {
    cwd: path.dirname(jar),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const endpoint = `http://${host}:${options.port}`;
  try {
    await waitUntilReady(endpoint, child, () => output);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return { endpoint, port: options.port, stop: () => stopChild(child) };
}

const READY_TIMEOUT_MS = 90_000;

async function waitUntilReady(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const client = localDynamoClient(endpoint);
  // A JVM on a loaded two-core machine (CI, parallel test runs) can take over 20 s to answer.
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new LocalStackError(`DynamoDB Local exited early: ${output().trim().split('\n').slice(-3).join(' ')}`);
      }
      try {
        // Bounded: whatever else may hold the port could accept and never answer.
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(3_000) });
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    }
    throw new LocalStackError(`DynamoDB Local did not answer at ${endpoint} within ${READY_TIMEOUT_MS / 1000} s.`);
  } finally {
    client.destroy();
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  // Closing stdin also ends the watchdog's reader when Java has already gone.
  if (child.exitCode !== null || child.signalCode !== null) {
    child.stdin?.end();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.stdin?.end();
  });
}

function quote(arg: string): string {
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

// The local Lambda runtime: loads a handler entry of the route table and invokes it in-process with a context object
// shaped like the one Lambda passes, so the local gateway and scheduler run exactly the code that is deployed.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { functionIdOf } from '../routes';
import { runAsFunction } from './table-grants';

/** What an entry module exports as `handler`; results may be a value or a promise, as Lambda's Node runtime allows. */
export type LambdaHandler = (event: unknown, context: Context) => unknown;
export type LoadHandler = (entry: string) => Promise<LambdaHandler>;
/** Runs one invocation of an entry's handler and resolves with its result (rejects with what it threw). */
export type Invoke = (entry: string, event: unknown) => Promise<unknown>;

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const LOCAL_ACCOUNT_ID = '000000000000';
/** API Gateway gives up on an integration after 29 s, so a handler behind it never has more time than that. */
const INVOCATION_TIMEOUT_MS = 29_000;
const MEMORY_MB = 1024;

/** Imports `<repo>/<entry>`; works under tsx and vitest, which transpile TypeScript on import. */
export async function importEntryHandler(entry: string): Promise<LambdaHandler> {
  const module = (await import(pathToFileURL(path.join(repoRoot, entry)).href)) as { handler?: unknown };
  if (typeof module.handler !== 'function') throw new Error(`${entry} does not export a handler function`);
  return module.handler as LambdaHandler;
}

export function lambdaContext(entry: string, timeoutMs = INVOCATION_TIMEOUT_MS): Context {
  const functionName = `switchboard-local-${functionIdOf(entry)}`;
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const deadline = Date.now() + timeoutMs;
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  const unsupported = () => {
    throw new Error('callback-style completion is not supported; return a value or a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: String(MEMORY_MB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${day}/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** An invoker that loads each entry once (a warm container per function) and retries the load after a failure. */
export function createInvoker(loadHandler: LoadHandler = importEntryHandler): Invoke {
  const handlers = new Map<string, Promise<LambdaHandler>>();
  return async (entry, event) => {
    let handler = handlers.get(entry);
    if (!handler) {
      handler = loadHandler(entry);
      handlers.set(entry, handler);
      handler.catch(() => handlers.delete(entry));
    }
    const run = await handler;
    return runAsFunction(entry, () => run(event, lambdaContext(entry)));
  };
}

// What the `npm run say…`, `watch` and `channel:register` commands share: the running local stack's demo tenant, its
// URLs and demo tokens, and a one-line exit on failure.
import { readFile } from 'node:fs/promises';
import { DEMO_FILE, type LocalStackFile, STACK_FILE } from './local-stack';
import { LocalStackError } from './local-stack-error';
import type { DemoTenant } from './seed';

/** The ids `npm start` wrote for the demo tenant it seeded. */
export async function readDemoTenant(): Promise<DemoTenant> {
  try {
    return JSON.parse(await readFile(DEMO_FILE, 'utf8')) as DemoTenant;
  } catch {
    throw new LocalStackError(`No demo tenant found (${DEMO_FILE}); start the local stack with npm start first.`);
  }
}

/** What `npm start` wrote about the running stack: its URLs (ports follow --port-base), environment and demo tokens. */
export async function readLocalStackFile(): Promise<LocalStackFile> {
  try {
    return JSON.parse(await readFile(STACK_FILE, 'utf8')) as LocalStackFile;
  } catch {
    throw new LocalStackError(`No running local stack found (${STACK_FILE}); start it with npm start first.`);
  }
}

/** Runs a command; an expected failure is one line, anything else its error, and the exit code 1. */
export function runCommand(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error instanceof LocalStackError ? `switchboard: ${error.message}` : error);
    process.exit(1);
  });
}

// The operator console on the local stack: built from console/ with esbuild when the stack starts (in memory, nothing
// written), served at /console beside the HTTP API, with a local-only sign-in that mints a demo person's access
// token. None of this is part of the CDK stack.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { LocalPage, LocalPageReply } from './http-api';
import { repoRoot } from './lambda-runtime';

export const CONSOLE_PATH = '/console';
const CONSOLE_ROOT = path.join(repoRoot, 'console');

export interface ConsoleFile {
  contentType: string;
  body: Buffer;
  gzipped: Buffer;
}

/** What /console serves, by path: the page, its script and its stylesheet. */
export type ConsoleFiles = ReadonlyMap<string, ConsoleFile>;

function fileOf(contentType: string, body: Buffer): ConsoleFile {
  return { contentType, body, gzipped: gzipSync(body, { level: 9 }) };
}

/** Bundles the console (minified, for today's browsers) and its stylesheet. */
export async function buildConsole(): Promise<ConsoleFiles> {
  const result = await build({
    entryPoints: {
      app: path.join(CONSOLE_ROOT, 'src', 'main.ts'),
      'app-style': path.join(CONSOLE_ROOT, 'src', 'styles.css'),
    },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome120', 'firefox120', 'safari17'],
    write: false,
    outdir: '/out',
    logLevel: 'silent',
  });
  const output = (name: string) => {
    const file = result.outputFiles.find((candidate) => candidate.path === `/out/${name}`);
    if (!file) throw new Error(`the console build made no ${name}`);
    return Buffer.from(file.contents);
  };
  return new Map([
    [CONSOLE_PATH, fileOf('text/html; charset=utf-8', await readFile(path.join(CONSOLE_ROOT, 'index.html')))],
    [`${CONSOLE_PATH}/app.js`, fileOf('text/javascript; charset=utf-8', output('app.js'))],
    [`${CONSOLE_PATH}/app.css`, fileOf('text/css; charset=utf-8', output('app-style.css'))],
  ]);
}

/** A demo person the sign-in page lists. */
export interface ConsolePerson {
  key: string;
  name: string;
  role: string;
  operatorId: string;
}

export interface ConsoleSiteOptions {
  files: ConsoleFiles;
  webSocketUrl: string;
  /** The demo people, once seeded (none when the stack runs without the demo tenant). */
  people: () => readonly ConsolePerson[];
  mintToken: (operatorId: string) => Promise<string>;
}

const json = (statusCode: number, value: unknown): LocalPageReply => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: Buffer.from(JSON.stringify(value)),
});

/** The console's pages; requests outside /console are left to the HTTP API. */
export function consoleSite(options: ConsoleSiteOptions): LocalPage {
  return async ({ method, path: requestPath, headers, body }) => {
    if (requestPath !== CONSOLE_PATH && !requestPath.startsWith(`${CONSOLE_PATH}/`)) return undefined;
    if (method === 'GET' && requestPath === `${CONSOLE_PATH}/local.json`) {
      return json(200, {
        webSocketUrl: options.webSocketUrl,
        demoPeople: options.people().map(({ key, name, role }) => ({ key, name, role })),
      });
    }
    if (method === 'POST' && requestPath === `${CONSOLE_PATH}/demo-token`) {
      let person: ConsolePerson | undefined;
      try {
        const key = (JSON.parse(body.toString('utf8')) as { person?: unknown }).person;
        person = options.people().find((candidate) => candidate.key === key);
      } catch {
        // a body that is not JSON names nobody
      }
      if (!person) return json(404, { error: { code: 'not_found', message: 'No such demo person.' } });
      return json(200, { accessToken: await options.mintToken(person.operatorId) });
    }
    const file = method === 'GET' ? options.files.get(requestPath.replace(/\/$/, '')) : undefined;
    if (!file) return json(404, { message: 'Not Found' });
    const gzip = /\bgzip\b/.test(String(headers['accept-encoding'] ?? ''));
    return {
      statusCode: 200,
      headers: {
        'content-type': file.contentType,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        vary: 'accept-encoding',
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      },
      body: gzip ? file.gzipped : file.body,
    };
  };
}

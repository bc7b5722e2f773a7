// The protocol module is what front ends bundle: the typed client and the schemas build for the browser (esbuild
// refuses Node built-ins there), and stay small — the client carries no schema library at all.
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');

async function browserBundle(entry: string) {
  const result = await build({
    absWorkingDir: repoRoot,
    entryPoints: [path.join(repoRoot, entry)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { gzipBytes: gzipSync(code).length, inputs: Object.keys(result.metafile.inputs) };
}

describe('R1: the protocol module in a browser bundle', () => {
  it('R1: the typed client bundles for the browser from its own two modules, under 4 KB compressed', async () => {
    const client = await browserBundle('shared/protocol/client.ts');
    expect(client.inputs.sort()).toEqual(['shared/protocol/client.ts', 'shared/protocol/frames.ts']);
    expect(client.gzipBytes).toBeLessThan(4 * 1024);
  });

  it('R1: every schema (actions, replies, events, frames) bundles for the browser with zod alone, under 40 KB compressed', async () => {
    const schemas = await browserBundle('shared/protocol/index.ts');
    const outside = schemas.inputs.filter(
      (input) => !input.startsWith('shared/protocol/') && !input.includes('node_modules/zod/'),
    );
    // The pure rules the inputs use (command normalization) and nothing with I/O.
    expect(outside).toEqual(['shared/domain/errors.ts', 'shared/domain/template-variables.ts']);
    expect(schemas.gzipBytes).toBeLessThan(40 * 1024);
  });
});

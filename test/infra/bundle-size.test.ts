// Every handler bundle, built with the deployed esbuild settings, stays small: cold starts grow with bundle size.
import path from 'node:path';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { lambdaBundling, repoRoot } from '../../infra/constructs/switchboard-function';
import { handlerEntries } from '../../infra/routes';

const MAX_BUNDLE_BYTES = 600 * 1024;
/**
 * The S3 client brings every S3 operation's schema in one module (~67 KB) plus its endpoint rules and checksums,
 * none of which tree-shakes: a function that stores attachments (channel webhooks, A1) gets this much more.
 */
const S3_CLIENT_ALLOWANCE = 100 * 1024;
const usesS3 = (bundle: Bundle) => bundle.inputs.some((file) => file.includes('node_modules/@aws-sdk/client-s3/'));

interface Bundle {
  bytes: number;
  /** Source files that contributed code to the output. */
  inputs: string[];
}

const bundles = new Map<string, Bundle>();

/** The NodejsFunction bundling options, spelled as esbuild build options. */
async function bundle(entry: string): Promise<Bundle> {
  const result = await build({
    absWorkingDir: repoRoot,
    entryPoints: [path.join(repoRoot, entry)],
    outfile: 'index.mjs',
    write: false,
    bundle: true,
    platform: 'node',
    metafile: true,
    logLevel: 'silent',
    minify: lambdaBundling.minify,
    // The map goes to its own file, so it does not count against the code size.
    sourcemap: lambdaBundling.sourceMap,
    format: lambdaBundling.format === OutputFormat.ESM ? 'esm' : 'cjs',
    target: lambdaBundling.target,
    mainFields: lambdaBundling.mainFields,
    external: lambdaBundling.externalModules,
    banner: { js: lambdaBundling.banner },
  });
  const code = result.outputFiles.find((file) => file.path.endsWith('.mjs'));
  const output = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('.mjs'))?.[1] as
    | Metafile['outputs'][string]
    | undefined;
  if (!code || !output) throw new Error(`esbuild produced no .mjs for ${entry}`);
  const inputs = Object.entries(output.inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([file]) => file);
  return { bytes: code.contents.byteLength, inputs };
}

beforeAll(async () => {
  for (const entry of handlerEntries()) bundles.set(entry, await bundle(entry));
}, 120_000);

describe('Bundle size', () => {
  it.each(handlerEntries())('Bundle size: %s is at most 600 KB minified (700 KB with the S3 client)', (entry) => {
    const bundle = bundles.get(entry) as Bundle;
    const limit = MAX_BUNDLE_BYTES + (usesS3(bundle) ? S3_CLIENT_ALLOWANCE : 0);
    expect(bundle.bytes, `${entry}: ${(bundle.bytes / 1024).toFixed(1)} KB`).toBeLessThanOrEqual(limit);
  });

  // `import { z } from 'zod'` pulls in every locale (~260 KB); `import * as z` keeps only the default English one.
  it.each(handlerEntries())('Bundle size: %s carries no zod locale but English', (entry) => {
    const locales = (bundles.get(entry) as Bundle).inputs.filter(
      (file) => /node_modules\/zod\/.*\/locales\//.test(file) && !file.endsWith('/locales/en.js'),
    );
    expect(locales).toEqual([]);
  });

  it('Bundle size: the AWS SDK is bundled, not taken from the runtime', () => {
    expect(lambdaBundling.externalModules).toEqual([]);
    const withSdk = [...bundles.values()].filter((b) =>
      b.inputs.some((file) => file.includes('node_modules/@aws-sdk/')),
    );
    expect(withSdk.length).toBeGreaterThan(0);
  });
});

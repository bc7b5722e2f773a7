import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { lambdaBuildOptions, lambdaBundling } from '../../infra/constructs/switchboard-function';
import { handlerEntries } from '../../infra/routes';

const MAX_BUNDLE_BYTES = 600 * 1024;

interface Bundle {
  bytes: number;
  /** Source files that contributed code to the output. */
  inputs: string[];
}

const bundles = new Map<string, Bundle>();

/** Builds an entry exactly as deployed (the source map goes to its own file, so it does not count against the size). */
async function bundle(entry: string): Promise<Bundle> {
  const result = await build({
    ...lambdaBuildOptions(entry),
    outfile: 'index.mjs',
    write: false as const,
    metafile: true as const,
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
}, 300_000); // bundling every function takes minutes on a loaded two-core machine

describe('Bundle size', () => {
  it.each(handlerEntries())('Bundle size: %s is at most 600 KB minified', (entry) => {
    const bundle = bundles.get(entry) as Bundle;
    expect(bundle.bytes, `${entry}: ${(bundle.bytes / 1024).toFixed(1)} KB`).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
  });

  // Attachment writes are a signed PUT (shared/platform/object-store.ts); the S3 client would add ~130 KB to a webhook.
  it('Bundle size: the channel webhook stores media without carrying the S3 client', () => {
    const webhook = bundles.get('functions/http/channel-webhook.ts') as Bundle;
    expect(webhook.inputs.some((file) => file.includes('node_modules/@aws-sdk/client-s3/'))).toBe(false);
  });

  // In Lambda the role's credentials are in the environment; the SDK's default chain (SSO, ini, STS …) is ~100 KB.
  it('Bundle size: no function carries the default credential chain, only the environment provider', () => {
    for (const entry of handlerEntries()) {
      const inputs = (bundles.get(entry) as Bundle).inputs;
      expect(
        inputs.filter((file) => /@aws-sdk\/(credential-provider-|nested-clients)/.test(file)),
        entry,
      ).toEqual([]);
    }
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

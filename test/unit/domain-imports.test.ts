// The domain stays pure: Biome's noRestrictedImports (biome.json, override for shared/domain) refuses the AWS SDK and
// the I/O layers there. Run on probe files laid out like the repository, with the repository's own configuration.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const biome = path.join(repoRoot, 'node_modules/.bin/biome');

interface Diagnostic {
  category: string;
  location: { path: string };
}

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'domain-imports-'));
  writeFileSync(path.join(dir, 'biome.json'), JSON.stringify({ extends: [path.join(repoRoot, 'biome.json')] }));
  const probes: Record<string, string> = {
    'shared/domain/sdk.ts': "import { GetCommand } from '@aws-sdk/lib-dynamodb';\n\nexport const x = GetCommand;\n",
    'shared/domain/store.ts': "import { keys } from '../store/keys';\n\nexport const x = keys;\n",
    'shared/domain/platform.ts': "import { dynamo } from '../platform/aws-clients';\n\nexport const x = dynamo;\n",
    'shared/domain/pure.ts': "import { invalid } from './errors';\n\nexport const x = invalid;\n",
    'shared/store/sdk.ts': "import { GetCommand } from '@aws-sdk/lib-dynamodb';\n\nexport const x = GetCommand;\n",
  };
  for (const [file, source] of Object.entries(probes)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), source);
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function restrictedImports(): Promise<string[]> {
  const run = promisify(execFile)(biome, ['lint', '--vcs-enabled=false', '--reporter=json', 'shared'], { cwd: dir });
  const { stdout } = await run.catch((error: { stdout: string }) => error);
  const { diagnostics } = JSON.parse(stdout) as { diagnostics: Diagnostic[] };
  return diagnostics
    .filter((d) => d.category === 'lint/style/noRestrictedImports')
    .map((d) => d.location.path)
    .sort();
}

describe('X2: the domain layer imports no AWS SDK and no store', () => {
  it('X2: biome refuses the AWS SDK, shared/store and shared/platform in shared/domain, and only there', async () => {
    expect(await restrictedImports()).toEqual([
      'shared/domain/platform.ts',
      'shared/domain/sdk.ts',
      'shared/domain/store.ts',
    ]);
  });
});

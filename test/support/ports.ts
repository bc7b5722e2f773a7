// A port base for a test's own local stack: every port of its range free now and one fetch() accepts.
import { readFileSync } from 'node:fs';
import { portsOf } from '../../infra/local/local-stack';
import { assertPortFree, FETCH_BAD_PORTS } from '../../infra/local/ports';

/**
 * The first port the kernel hands out for outgoing connections and `listen(0)` (Linux's default is 32768). A range
 * above it can be taken by any socket of a parallel test between our check and the stack's own bind.
 */
function ephemeralStart(): number {
  try {
    const [first] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const port = Number(first);
    return Number.isInteger(port) && port > 20_000 ? port : 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * Consecutive free ports (the stack's whole range) fetch() accepts, away from the default 4000 and the bench's 4700,
 * and below the kernel's ephemeral range so no other socket can land on them meanwhile.
 */
export async function freePortBase(): Promise<number> {
  const span = Object.keys(portsOf(0)).length;
  const bases = Math.floor((ephemeralStart() - 20_000 - span) / span);
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * bases) * span;
    const ports = Object.values(portsOf(base));
    if (ports.some((port) => FETCH_BAD_PORTS.includes(port))) continue;
    const free = await Promise.all(
      ports.map((port) =>
        assertPortFree(port, 'test').then(
          () => true,
          () => false,
        ),
      ),
    );
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free port range');
}

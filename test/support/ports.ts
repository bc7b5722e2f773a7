// A port base for a test's own local stack: every port of its range free now and one fetch() accepts.
import { portsOf } from '../../infra/local/local-stack';
import { assertPortFree, FETCH_BAD_PORTS } from '../../infra/local/ports';

/** Consecutive free ports (the stack's whole range) fetch() accepts, away from the default 4000 and the bench's 4700. */
export async function freePortBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 4_000) * 6;
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

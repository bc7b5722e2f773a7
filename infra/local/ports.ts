// Port checks for the local stack: find a free port, or explain in one line that a wanted one is taken or is one
// that fetch() refuses to call.
import net from 'node:net';
import { LocalStackError } from './local-stack-error';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function assertPortFree(port: number, what: string, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new LocalStackError(
          error.code === 'EADDRINUSE'
            ? `Port ${port} (${what}) is already in use; stop what holds it or set another port (see README).`
            : `Port ${port} (${what}) cannot be opened: ${error.message}`,
        ),
      ),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/**
 * The Fetch standard's "bad ports" (https://fetch.spec.whatwg.org/#port-blocking): fetch() refuses them before any
 * connection, and the stack calls its own parts with fetch (token keys, S3 uploads, channel APIs).
 */
export const FETCH_BAD_PORTS: readonly number[] = [
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
];

/** Refuses, in one line, a set of ports one of which fetch() would refuse to call. */
export function assertFetchablePorts(ports: Readonly<Record<string, number>>, portBase: number): void {
  const bad = Object.entries(ports).filter(([, port]) => FETCH_BAD_PORTS.includes(port));
  if (bad.length === 0) return;
  const named = bad.map(([what, port]) => `${port} (${what})`).join(', ');
  const listed = FETCH_BAD_PORTS.filter((port) => port >= 1024).join(', ');
  throw new LocalStackError(
    `Port base ${portBase} puts ${named} on a port fetch() refuses (WHATWG "bad ports": ${listed}); choose a base whose six ports avoid them, e.g. 4000.`,
  );
}

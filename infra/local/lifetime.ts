// How long the local stack lives: until SIGINT or SIGTERM reaches it, or until a process that started it (npm, tsx, a
// shell, a process manager) is gone — `kill <npm pid>` or a dying terminal must not leave ports and Java behind.
import { readFileSync } from 'node:fs';

const POLL_MS = 500;

/** The pids above this process up to (not including) init, read from /proc; just the parent where there is no /proc. */
export function ancestorsOf(pid: number = process.pid): number[] {
  const chain: number[] = [];
  let current = pid;
  for (let depth = 0; depth < 32; depth++) {
    const parent = parentOf(current);
    if (parent === undefined || parent <= 1) break;
    chain.push(parent);
    current = parent;
  }
  return chain.length > 0 || process.ppid <= 1 ? chain : [process.ppid];
}

function parentOf(pid: number): number | undefined {
  try {
    // "pid (comm) state ppid …"; comm may hold spaces and parentheses, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Calls `stop` once: on SIGINT, SIGTERM or SIGHUP, or when one of the processes that started this one has exited
 * (checked twice a second; the original parent changing counts too). Returns a function that stops watching.
 */
export function stopWhenAsked(stop: (reason: string) => void): () => void {
  const ancestors = ancestorsOf();
  const parent = process.ppid;
  let done = false;
  const once = (reason: string) => {
    if (done) return;
    done = true;
    clearInterval(timer);
    stop(reason);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const handlers = signals.map((signal) => {
    const handler = () => once(signal);
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  const timer = setInterval(() => {
    if (process.ppid !== parent) return once('parent exited');
    const gone = ancestors.find((pid) => !alive(pid));
    if (gone !== undefined) once(`process ${gone} that started the stack exited`);
  }, POLL_MS);
  timer.unref();
  return () => {
    done = true;
    clearInterval(timer);
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}

// `npm run bench:cpu`: only the CPU per inbound message, on the bench's local stack with two operators connected;
// `BENCH_CPU_PROFILE=<dir>` also writes the function's CPU profile (readable bundle) there. `npm run bench` includes it.
import { measureCpu } from './cpu';
import { OperatorSocket, startBench } from './harness';

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const bench = await startBench();
  try {
    const { anna, supervisor } = bench.demo.operators;
    const sockets = [await OperatorSocket.connect(bench, anna), await OperatorSocket.connect(bench, supervisor)];
    console.log(JSON.stringify(await measureCpu(bench), null, 2));
    await Promise.all(sockets.map((socket) => socket.close()));
  } finally {
    await bench.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

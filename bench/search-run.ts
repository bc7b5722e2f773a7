// `npm run bench:search`: only the search figures (M8), on the bench's local stack; `npm run bench` includes them.
import { startBench } from './harness';
import { measureSearch } from './search';

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const bench = await startBench();
  try {
    const search = await measureSearch(bench);
    console.log(JSON.stringify(search, null, 2));
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

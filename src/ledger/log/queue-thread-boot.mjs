// The queue-writer thread's entry point. Beside the compiled worker (dist/) it loads it as it is;
// beside the TypeScript sources (tests, development) it registers tsx first, as worker threads do
// not inherit the loader registered on the main thread.
import fs from 'node:fs';

const compiled = new URL('./queue-thread-worker.js', import.meta.url);
if (fs.existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./queue-thread-worker.ts');
}

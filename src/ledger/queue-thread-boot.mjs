// The queue-writer thread's entry point: worker threads do not inherit the tsx loader registered
// on the main thread (bin/lienthong.mjs), so this plain module registers it before the TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./queue-thread-worker.ts');

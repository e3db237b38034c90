import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Builds dist/ once before the suite (incremental: seconds when little changed), so the tests
 * that start `bin/lienthong.mjs` or import `lienthong/client` run what `npm start` and SDK users run.
 */
export default function setup(): void {
  execFileSync(process.execPath, [path.resolve(import.meta.dirname, '../scripts/build.mjs')], { stdio: 'inherit' });
}

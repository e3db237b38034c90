import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const LOCK_FILE = 'lienthong.lock';

/**
 * The embedded database's directory is held by one process at a time: PGlite keeps its own view
 * of the files in memory, so a second process opening them (a CLI command beside `npm start`)
 * writes what the first never sees, or corrupts what it does (`Aborted()`). Refused at once, the
 * files untouched.
 */
export class DataDirectoryLockedError extends Error {
  /** sysexits EX_TEMPFAIL: try again once the holder has stopped. */
  static readonly EXIT_CODE = 75;
  constructor(
    readonly dataDir: string,
    readonly holderPid: number,
  ) {
    super(
      `Thư mục dữ liệu ${dataDir} đang được tiến trình ${holderPid} sử dụng (máy chủ đang chạy?): dừng tiến trình đó, hoặc dùng API của máy chủ. / ` +
        `The data directory ${dataDir} is held by process ${holderPid} (a running server?): stop it, or use the server's API.`,
    );
    this.name = 'DataDirectoryLockedError';
  }
}

interface LockContent {
  pid: number;
  host: string;
  /** the holder's start time, so a reused pid is not taken for the holder */
  started: number;
}

/** When this process started (ms since the epoch), as the lock records it. */
const STARTED = Math.round(Date.now() - process.uptime() * 1000);

function alive(holder: LockContent): boolean {
  if (holder.host !== os.hostname()) return true; // (a shared directory held from another machine: believe it)
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const since = processStart(holder.pid);
  return since === null || Math.abs(since - holder.started) < 2_000;
}

/** Start time of a process from /proc (Linux); null where that cannot be read. */
function processStart(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const boot = Number(/^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))?.[1]);
    return Number.isFinite(ticks) && Number.isFinite(boot) ? boot * 1000 + (ticks / 100) * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * Creates `dataDir` private to the service user (0700: PGlite writes its files world-readable and
 * writable, 0666, so the directory is what keeps other users out) and takes its lock; throws
 * DataDirectoryLockedError while a live process holds it. A lock left by a process that died
 * (kill -9, a crash) is taken over. Returns the release.
 */
export function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dataDir, 0o700);
  const file = path.join(dataDir, LOCK_FILE);
  const mine: LockContent = { pid: process.pid, host: os.hostname(), started: STARTED };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(mine), { flag: 'wx', mode: 0o600 });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readLock(file);
    if (holder ? alive(holder) : justWritten(file)) throw new DataDirectoryLockedError(dataDir, holder?.pid ?? 0);
    // Stale: moved aside (atomic) so that of two processes taking it over, one wins the retry.
    fs.rmSync(`${file}.stale`, { force: true });
    try {
      fs.renameSync(file, `${file}.stale`);
    } catch {
      /* another process took it over first: retry */
    }
  }
  throw new Error(`could not take the lock of ${dataDir}`);
}

/** An unreadable lock younger than a few seconds is being written by its holder, not left by a dead one. */
function justWritten(file: string): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs < 5_000;
  } catch {
    return false;
  }
}

function readLock(file: string): LockContent | null {
  try {
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockContent>;
    return typeof c.pid === 'number' ? { pid: c.pid, host: String(c.host ?? ''), started: Number(c.started ?? 0) } : null;
  } catch {
    return null; // half-written by a process that died: stale
  }
}

/** Files of the embedded database: owner only (0600; directories 0700). */
export function makePrivate(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      fs.chmodSync(p, 0o700);
      makePrivate(p);
    } else if (entry.isFile()) {
      fs.chmodSync(p, 0o600);
    }
  }
}

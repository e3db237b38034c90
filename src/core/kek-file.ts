import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DATA_KEY_BYTES, type HeldKeks, type KeyWrapper, keyId, newDataKey, open, seal } from './sealing.ts';

/**
 * The KEK in a file outside the database (LIENTHONG_KEK_FILE): 32 random bytes in base64, mode
 * 0600. Beside it, `<file>.next` is a KEK prepared by a rotation and not yet in force, and
 * `<file>.<id>.retired` the KEKs rotated out — kept because backups of the database taken before
 * a rotation still hold data keys wrapped by them. The files are read again whenever a KEK is
 * asked for that is not yet in memory, so a server running through a rotation by the command
 * line (`lienthong keys rotate-kek`) picks the new KEK up.
 */
export function fileKeyWrapper(file: string): KeyWrapper {
  const next = `${file}.next`;
  let keks = new Map<string, Buffer>();
  let ids: HeldKeks = { current: null, pending: null, held: [] };

  function load(): HeldKeks {
    const found = new Map<string, Buffer>();
    const read = (f: string) => {
      const k = readKek(f);
      found.set(keyId(k), k);
      return keyId(k);
    };
    const current = fs.existsSync(file) ? read(file) : null;
    const pending = fs.existsSync(next) ? read(next) : null;
    const dir = path.dirname(file);
    const retired = new RegExp(`^${escape(path.basename(file))}\\.[0-9a-f]+\\.retired$`);
    if (fs.existsSync(dir)) for (const f of fs.readdirSync(dir).filter((n) => retired.test(n))) read(path.join(dir, f));
    keks = found;
    ids = { current, pending: pending === current ? null : pending, held: [...found.keys()] };
    return ids;
  }

  function kek(kekId: string): Buffer {
    const k = keks.get(kekId) ?? (load(), keks.get(kekId));
    if (!k) throw new Error(`KEK ${kekId} is not in ${file} nor beside it`);
    return k;
  }

  return {
    kekIds: async () => load(),
    async createFirst() {
      writeExclusive(file, newDataKey()); // (if another instance was first, its KEK is the one)
      const { current } = load();
      return { kekId: current!, where: file };
    },
    wrap: async (kekId, dataKey, context) => seal(kek(kekId), dataKey, context),
    unwrap: async (kekId, wrapped, context) => open(kek(kekId), wrapped, context),
    async prepareNext() {
      fs.rmSync(next, { force: true }); // a rotation that stopped before the database took its KEK
      writeExclusive(next, newDataKey());
      return load().pending!;
    },
    async promote(kekId) {
      const { current, pending } = load();
      if (pending !== kekId) throw new Error(`${next} does not hold KEK ${kekId}`);
      // Retire first: if this stops half-way, the next start finds the new KEK in .next and finishes.
      if (current) fs.renameSync(file, `${file}.${current}.retired`);
      fs.renameSync(next, file);
      load();
    },
  };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function readKek(file: string): Buffer {
  // Like ssh and the signing keys: a key others can read is refused rather than used.
  if (process.platform !== 'win32' && (fs.statSync(file).mode & 0o077) !== 0) {
    throw new Error(`${file} is readable by other users; run: chmod 600 ${file}`);
  }
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== DATA_KEY_BYTES) throw new Error(`${file} must hold ${DATA_KEY_BYTES} random bytes in base64 (e.g. openssl rand -base64 32)`);
  return key;
}

/** Creates `target` (0600, its folder 0700) unless it exists; never overwrites a KEK. */
function writeExclusive(target: string, key: Buffer): void {
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  const tmp = `${target}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(tmp, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    fs.unlinkSync(tmp);
  }
}

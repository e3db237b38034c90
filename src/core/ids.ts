import crypto from 'node:crypto';
import { V7Generator } from 'uuidv7';

/**
 * The generator's randomness, drawn from the CSPRNG 4 KiB at a time: the library's default
 * refills 32 bytes per call into the crypto binding, a few µs every few ids — and a gateway
 * exchange makes two ids (request, log entry). Same source, same bits per id.
 */
const random = {
  pool: new Uint32Array(1024),
  at: 1024,
  nextUint32(): number {
    if (this.at === this.pool.length) {
      crypto.randomFillSync(this.pool);
      this.at = 0;
    }
    return this.pool[this.at++]!;
  },
};
const generator = new V7Generator(random);

/** Row ids are UUIDv7: time-ordered, so B-tree inserts stay local. */
export function newId(): string {
  return generator.generate().toString();
}

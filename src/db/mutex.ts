/**
 * A FIFO async mutex. Hand-written because it is ten lines. The PGlite driver
 * runs every query and transaction through it: one connection, so statements
 * of two callers must never interleave. PGlite 0.5 also queues internally; this
 * makes the guarantee ours, whatever the embedded engine's version does.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

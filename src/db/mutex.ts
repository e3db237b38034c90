/**
 * A FIFO async mutex. Hand-written because it is ten lines and the PGlite
 * driver needs exactly this: one connection, so every query and every
 * transaction must wait its turn or statements of two callers interleave.
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

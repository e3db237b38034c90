import { performance } from 'node:perf_hooks';

/**
 * How far the newest signed checkpoint is behind the appends, sampled while a workload runs: at
 * each sample, the time since the first entry the checkpoint does not cover was committed (its
 * receipt resolved); 0 when it covers every entry committed. The log sequences in commit order
 * (UUIDv7 queue ids), so the first `covered` entries committed are the ones the checkpoint holds.
 */
export class CheckpointLag {
  private readonly at: number[] = [];
  private readonly counts: number[] = [];
  readonly lagsMs: number[] = [];
  private stopped = false;
  private recording = false;
  private done: Promise<void> | null = null;

  /**
   * `committed()`: entries of the log committed so far by the workload; `covered()`: entries of
   * the workload under the newest checkpoint (its tree size − the log's size before it).
   */
  constructor(
    private readonly committed: () => number,
    private readonly covered: () => Promise<number>,
    private readonly everyMs = 50,
  ) {}

  start(): void {
    const tick = setInterval(() => this.note(), 5);
    this.note();
    this.done = (async () => {
      while (!this.stopped) {
        const covered = await this.covered();
        const now = performance.now();
        this.note();
        if (this.recording) this.lagsMs.push(this.lagAt(covered, now));
        await new Promise((r) => setTimeout(r, this.everyMs));
      }
      clearInterval(tick);
    })();
  }

  /** Keep the samples from now on (the measured window), or stop keeping them. */
  record(on: boolean): void {
    this.recording = on;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private note(): void {
    const n = this.committed();
    if (this.counts.length === 0 || n > this.counts.at(-1)!) {
      this.at.push(performance.now());
      this.counts.push(n);
    }
  }

  /** now − when the count of committed entries first exceeded `covered` (binary search: counts only grow). */
  private lagAt(covered: number, now: number): number {
    let lo = 0;
    let hi = this.counts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.counts[mid]! > covered) hi = mid;
      else lo = mid + 1;
    }
    return lo === this.counts.length ? 0 : now - this.at[lo]!;
  }
}

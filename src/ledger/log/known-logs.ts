/**
 * Logs whose ledger_logs row is known to be committed. Rows of ledger_logs are never deleted
 * (triggers), so once seen committed a log exists for the life of the process: its upsert, the
 * costliest statement of a lone append before (docs/BENCHMARKS.md), runs once per log.
 */
export class KnownLogs {
  private readonly known = new Set<string>();
  has(log: string): boolean {
    return this.known.has(log);
  }
  /** Only for rows read from, or written by, a committed transaction. */
  add(log: string): void {
    this.known.add(log);
  }
}

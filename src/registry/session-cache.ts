import type { Invalidations } from '../core/invalidations.ts';
import type { Principal } from './principal.ts';

/** How long a checked session is believed without asking the database again. */
export const SESSION_RECHECK_MS = 1000;

/**
 * Sessions checked in the last second, by token hash: a console or API call then costs no round
 * trip for its session (the one statement every authenticated request made, and the tail of their
 * latency on a busy database). Revocation made through this process — logout, a disabled user,
 * changed roles, a new password, reset credentials — clears it at once, and is announced to the
 * other instances (core/invalidations.ts), which clear theirs on hearing it; if the announcement is
 * lost, they stop believing within SESSION_RECHECK_MS. Bounded: the oldest entry leaves first.
 */
export class SessionCache {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();
  constructor(
    private readonly max = 10_000,
    private readonly invalidations?: Invalidations,
  ) {
    invalidations?.on('sessions', () => this.entries.clear());
  }

  get(tokenHash: string, nowMs: number): Principal | undefined {
    const hit = this.entries.get(tokenHash);
    if (!hit) return undefined;
    if (nowMs >= hit.until || nowMs >= hit.principal.sessionExpiresAt.getTime()) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return hit.principal;
  }

  set(tokenHash: string, principal: Principal, nowMs: number): void {
    this.entries.delete(tokenHash);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(tokenHash, { principal, until: nowMs + SESSION_RECHECK_MS });
  }

  /** Sessions revoked (committed) in this process: none of them may be believed any longer, on any instance. */
  clear(): void {
    this.entries.clear();
    this.invalidations?.changed('sessions');
  }
}

/** where a request came in decides what it may receive; secret data only on `tslcd`. */
export type Zone = 'internet' | 'tslcd';

export interface Listener {
  zone: Zone;
  host: string;
  port: number;
}

/**
 * `LIENTHONG_LISTEN=internet@0.0.0.0:8080,tslcd@10.0.0.5:8443`: one address per network, each
 * tagged with its zone. IPv6 hosts in brackets: `tslcd@[fd00::5]:8443`.
 */
export function parseListeners(spec: string): Listener[] {
  const out = spec.split(',').map((part) => {
    const m = /^(internet|tslcd)@(\[[0-9a-fA-F:.]+\]|[^:@\s]+):(\d{1,5})$/.exec(part.trim());
    if (!m || Number(m[3]) > 65535) throw new Error(`LIENTHONG_LISTEN: "${part}" is not zone@host:port (zone internet or tslcd)`);
    return { zone: m[1] as Zone, host: m[2]!.replace(/^\[|\]$/g, ''), port: Number(m[3]) };
  });
  const seen = new Set<string>();
  for (const l of out) {
    const id = `${l.host}:${l.port}`;
    if (l.port !== 0 && seen.has(id)) throw new Error(`LIENTHONG_LISTEN: ${id} is listed twice`);
    seen.add(id);
  }
  return out;
}

const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;
const WILDCARDS = new Set(['0.0.0.0', '::']);

/**
 * R-12.2 on the platform's own calls: the address its calls to custodians' services leave from when
 * they carry secret data — `LIENTHONG_TSLCD_EGRESS`, else the address of its `tslcd` listener when
 * that is one address (not a wildcard). Null when the platform has no address on the dedicated
 * network: it then makes no such call.
 */
export function tslcdEgress(listeners: readonly Listener[], configured: string | undefined): string | null {
  if (configured !== undefined) {
    if (!IP_LITERAL.test(configured) || WILDCARDS.has(configured))
      throw new Error(`LIENTHONG_TSLCD_EGRESS must be one IP address of this machine on the dedicated network, got "${configured}"`);
    return configured;
  }
  const own = listeners.find((l) => l.zone === 'tslcd' && IP_LITERAL.test(l.host) && !WILDCARDS.has(l.host));
  return own?.host ?? null;
}

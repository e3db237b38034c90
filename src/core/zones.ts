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

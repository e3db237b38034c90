/** Figures of the dashboard computed in the browser from sharing-log entries (pure, tested under Node). */

export interface Entry {
  requested_at: string;
  responded_at: string;
  dataset: string | null;
  requester: { agency: string | null; system: string | null };
  response: { status: number };
}

/** Today's date in Viet Nam, YYYY-MM-DD. */
export function vietnamToday(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
export function plusDays(iso: string, n: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The p-th percentile (0..1) of sorted numbers, nearest rank. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export interface ExchangeFigures {
  total: number;
  served: number;
  refused: number;
  median: number | null;
  p95: number | null;
  byDataset: [string, number, number][];
  byConsumer: [string, number, number][];
  byStatus: [number, number][];
}

/** Served (2xx) and refused (4xx/5xx) exchanges by dataset, consumer agency and status, with latency. */
export function exchangeFigures(entries: Entry[], unknown: string): ExchangeFigures {
  const ds = new Map<string, [number, number]>();
  const ag = new Map<string, [number, number]>();
  const st = new Map<number, number>();
  const lat: number[] = [];
  let served = 0;
  for (const e of entries) {
    const ok = e.response.status >= 200 && e.response.status < 300;
    if (ok) served++;
    else st.set(e.response.status, (st.get(e.response.status) ?? 0) + 1);
    for (const [map, key] of [
      [ds, e.dataset ?? unknown],
      [ag, e.requester.agency ?? unknown],
    ] as const) {
      const v = map.get(key) ?? [0, 0];
      v[ok ? 0 : 1]++;
      map.set(key, v);
    }
    const ms = Date.parse(e.responded_at) - Date.parse(e.requested_at);
    if (Number.isFinite(ms)) lat.push(ms);
  }
  lat.sort((a, b) => a - b);
  const rows = (m: Map<string, [number, number]>) =>
    [...m].map(([k, [s, r]]) => [k, s, r] as [string, number, number]).sort((a, b) => b[1] + b[2] - a[1] - a[2]);
  return {
    total: entries.length,
    served,
    refused: entries.length - served,
    median: percentile(lat, 0.5),
    p95: percentile(lat, 0.95),
    byDataset: rows(ds),
    byConsumer: rows(ag),
    byStatus: [...st].sort((a, b) => a[0] - b[0]),
  };
}

/**
 * `npm run bench:export`: NDJSON export rate on the PostgreSQL server, against `COPY … TO STDOUT`
 * of the same rows in the same run (docs/BENCHMARKS.md). BENCH_EXPORT_RECORDS (default 100,000)
 * records are written to can-bo-dang-vien, then:
 * - baseline: `COPY (SELECT key, version, written_at, data … ORDER BY key) TO STDOUT`, read whole;
 * - export: `POST …/exports` (prepare: one pass, digested and signed) and the download of its
 *   content (the second pass, logged before the first byte), through HTTP with the SDK.
 * Prints a Markdown section; with BENCH_WRITE=1, writes it into docs/BENCHMARKS.md.
 */
import os from 'node:os';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { LienThongClient } from '../src/client/index.ts';
import { memberOf, startSyncWorld, writeSection } from './sync-setup.ts';

const RECORDS = Number(process.env.BENCH_EXPORT_RECORDS ?? 100_000);
const RUNS = 3;

async function copyBaseline(databaseUrl: string, dataset: string): Promise<{ rows: number; ms: number; bytes: number }> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const started = performance.now();
    let bytes = 0;
    let rows = 0;
    const stream = c.query(
      copyTo(
        `COPY (SELECT record_key, version, written_at, data FROM records WHERE dataset_code = '${dataset}' AND NOT deleted ORDER BY record_key) TO STDOUT`,
      ),
    );
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      for (const b of chunk) if (b === 10) rows++;
    }
    return { rows, ms: performance.now() - started, bytes };
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const w = await startSyncWorld();
  try {
    console.log(`writing ${RECORDS} records…`);
    for (let i = 0; i < RECORDS; i += 5000) {
      const n = Math.min(5000, RECORDS - i);
      await w.platform.sync.records.writeAs(
        'bench',
        w.dataset,
        Array.from({ length: n }, (_, j) => ({ key: `ex-${String(i + j).padStart(7, '0')}`, data: memberOf(i + j) })),
      );
    }
    const client = new LienThongClient({ baseUrl: w.url, clientId: w.consumer.clientId, clientSecret: w.consumer.clientSecret, purpose: w.purpose });
    const results: { copy: number; prepare: number; download: number; records: number; bytes: number; copyBytes: number }[] = [];
    for (let run = 0; run < RUNS; run++) {
      const base = await copyBaseline(w.databaseUrl, w.dataset);
      const t0 = performance.now();
      const ex = await client.export(w.dataset, { format: 'ndjson' });
      const t1 = performance.now();
      let bytes = 0;
      for await (const chunk of ex.content()) bytes += chunk.length;
      const t2 = performance.now();
      const r = { copy: (base.rows / base.ms) * 1000, prepare: (ex.manifest.records / (t1 - t0)) * 1000, download: (ex.manifest.records / (t2 - t1)) * 1000 };
      results.push({ ...r, records: ex.manifest.records, bytes, copyBytes: base.bytes });
      console.log(
        `run ${run + 1}: COPY ${Math.round(r.copy)} rows/s, prepare ${Math.round(r.prepare)} records/s, download ${Math.round(r.download)} records/s`,
      );
    }
    const median = (k: 'copy' | 'prepare' | 'download') => results.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(results.length / 2)]!;
    const [copy, prepare, download] = [median('copy'), median('prepare'), median('download')];
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    const section =
      [
        '## Results: bulk export (NDJSON) on the PostgreSQL server',
        '',
        `Command: \`npm run bench:export\` (BENCH_EXPORT_RECORDS=${RECORDS}; PostgreSQL server, platform and client in one process, Node's \`--max-semi-space-size=64\` as \`npm start\` runs the server). ${new Date().toISOString().slice(0, 10)}, ${RUNS} runs, medians; 1-min load average at the end ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} cores.`,
        '',
        '| what | records/s | vs COPY |',
        '|---|---:|---:|',
        `| \`COPY (SELECT key, version, written_at, data …) TO STDOUT\` (baseline, text format, ${fmt(results[0]!.copyBytes)} bytes) | ${fmt(copy)} | 1.00 |`,
        `| NDJSON export, prepare (\`POST …/exports\`: read, shape, canonical JSON, SHA-256, signed manifest) | ${fmt(prepare)} | ${(prepare / copy).toFixed(2)} |`,
        `| NDJSON export, download (\`GET …/exports/{id}/content\`: made again, checked, streamed; ${fmt(results[0]!.bytes)} bytes) | ${fmt(download)} | ${(download / copy).toFixed(2)} |`,
        '',
        `Goal: download ≥ 0.5 × COPY and ≥ 100,000 records/s — ${download >= 0.5 * copy && download >= 100_000 ? 'met' : 'not met'}.`,
      ].join('\n') + '\n';
    console.log(`\n${section}`);
    if (process.env.BENCH_WRITE === '1') writeSection('sync-export', section);
  } finally {
    await w.close();
  }
}

await main();
process.exit(0);

import { Command } from 'commander';
import type { FiguresVerification } from '../reports/index.ts';
import type { Platform } from '../platform.ts';

/** How the commands get a platform: opened from the configuration, or (tests) one already open, left open. */
export type PlatformSource = () => Promise<{ platform: Pick<Platform, 'reports' | 'ledger'>; done(): Promise<void> }>;

const fromConfig: PlatformSource = async () => {
  const { loadConfig } = await import('../core/config.ts');
  const { openPlatform } = await import('../platform.ts');
  const platform = await openPlatform(loadConfig());
  return { platform, done: () => platform.close() };
};

/** One log's recount as lines a person reads: OK, or each difference with its key, stored and recounted values. */
function describeVerification(r: FiguresVerification): string[] {
  if (r.ok) return [`${r.log}: OK — ${r.entries_recounted} mục đã đếm lại / entries recounted (vị trí / position ${r.position})`];
  const count = r.differences.length + r.rollup_differences.length;
  const lines = [`${r.log}: SAI LỆCH / DIFFERENCE — ${count} số liệu / figures (vị trí / position ${r.position})`];
  for (const d of r.differences) {
    const k = d.key;
    const where = [k.day, k.consumer_agency || '-', k.consumer_system || '-', k.dataset_code || '-', k.form, k.status, k.rule || '-'].join(' ');
    lines.push(`  [${where}] ${d.measure}: lưu / stored ${d.stored} ≠ đếm lại / recounted ${d.recounted}`);
  }
  for (const d of r.rollup_differences) {
    const where = Object.values(d.key)
      .map((v) => v || '-')
      .join(' ');
    lines.push(`  ${d.table} [${where}] ${d.measure}: lưu / stored ${d.stored} ≠ cộng từ số liệu ngày / summed from daily ${d.recounted}`);
  }
  return lines;
}

export function reportCommand(source: PlatformSource = fromConfig, out: (line: string) => void = (l) => console.log(l)): Command {
  const cmd = new Command('report').description('Báo cáo, số liệu chia sẻ / reports: figures counted from the sharing logs (R-18.2)');
  cmd
    .command('verify')
    .description('Đếm lại số liệu từ các mục nhật ký và so sánh / recount the stored figures from the log entries and name every difference; exit 1 on one')
    .option('--custodian <code>', 'chỉ một nhật ký / one log only (agency code)')
    .option('--json', 'JSON output')
    .action(async (o: { custodian?: string; json?: boolean }) => {
      const { platform, done } = await source();
      try {
        const logs = o.custodian ? [o.custodian] : await platform.ledger.logs();
        const reports: FiguresVerification[] = [];
        for (const log of logs) reports.push(await platform.reports.verify(log));
        if (o.json) out(JSON.stringify(reports, null, 2));
        else for (const r of reports) for (const line of describeVerification(r)) out(line);
        if (reports.some((r) => !r.ok)) process.exitCode = 1;
      } finally {
        await done();
      }
    });
  cmd
    .command('count')
    .description('Đếm ngay các mục mới của nhật ký / count the new log entries now (a running server does it every 2 s)')
    .action(async () => {
      const { platform, done } = await source();
      try {
        out(`${await platform.reports.counter.countAll()} mục / entries counted`);
      } finally {
        await done();
      }
    });
  return cmd;
}

import fs from 'node:fs';
import os from 'node:os';
import { Command } from 'commander';

/** A one-line progress bar on stderr, only when a person is watching. */
function progressBar(): (log: string, done: number, total: number) => void {
  if (!process.stderr.isTTY) return () => undefined;
  return (log, done, total) => {
    const width = 30;
    const filled = total ? Math.round((done / total) * width) : width;
    process.stderr.write(`\r${log} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
  };
}

export function ledgerCommand(): Command {
  const cmd = new Command('ledger').description('Nhật ký chia sẻ dữ liệu / the sharing log (R-17)');
  cmd
    .command('verify')
    .description('Tính lại toàn bộ nhật ký và kiểm tra chữ ký / recompute every leaf, the tree and every checkpoint signature; exit 1 on divergence')
    .option('--custodian <code>', 'chỉ một nhật ký / one log only (agency code)')
    .option('--bundle <file>', 'kiểm tra một tệp xuất, không cần CSDL / check an export bundle offline: no database, no server')
    .option('--json', 'JSON output')
    .action(async (o: { custodian?: string; bundle?: string; json?: boolean }) => {
      if (o.bundle) {
        const { verifyBundle } = await import('../ledger/bundle.ts');
        const report = verifyBundle(fs.readFileSync(o.bundle));
        if (o.json) console.log(JSON.stringify(report, null, 2));
        else
          console.log(
            report.ok
              ? `${report.log}: OK — ${report.entries} mục / entries, ${report.checkpoints} điểm kiểm tra / checkpoints`
              : `SAI LỆCH / DIVERGENCE: ${report.problem}`,
          );
        if (!report.ok) process.exitCode = 1;
        return;
      }
      const { loadConfig } = await import('../core/config.ts');
      const { openPlatform } = await import('../platform.ts');
      const platform = await openPlatform(loadConfig());
      try {
        const reports = await platform.ledger.verify(o.custodian, progressBar());
        if (o.json) console.log(JSON.stringify(reports, null, 2));
        else
          for (const r of reports) {
            console.log(
              r.ok
                ? `${r.log}: OK — ${r.entries} mục / entries, ${r.checkpoints} điểm kiểm tra / checkpoints`
                : `${r.log}: SAI LỆCH / DIVERGENCE${r.divergence!.index !== null ? ` tại mục / at entry ${r.divergence!.index}` : ''}: ${r.divergence!.what}`,
            );
          }
        if (reports.some((r) => !r.ok)) process.exitCode = 1;
      } finally {
        await platform.close();
      }
    });
  cmd
    .command('export')
    .description('Xuất nhật ký thành tệp có chữ ký để kiểm tra ngoại tuyến / export a signed bundle (docs/ledger-bundle.md)')
    .requiredOption('--custodian <code>', 'mã cơ quan chủ quản / custodian agency code')
    .requiredOption('--out <file>', 'tệp ra / output file')
    .action(async (o: { custodian: string; out: string }) => {
      await withPlatform(async (p) => {
        const bundle = await p.ledger.exportBundle(o.custodian);
        fs.writeFileSync(o.out, bundle);
        console.log(`Đã xuất / exported ${o.custodian} → ${o.out} (${bundle.length} bytes)`);
      });
    });

  cmd
    .command('archive')
    .description('Lưu trữ các mục trước một ngày (ít nhất 2 năm trước) / archive entries before a date, refused under 2 years (R-17.1)')
    .requiredOption('--custodian <code>', 'mã cơ quan chủ quản / custodian agency code')
    .requiredOption('--before <date>', 'YYYY-MM-DD theo lịch Việt Nam (UTC+7), ít nhất 2 năm trước / Viet Nam date (UTC+7), at least 2 years ago')
    .requiredOption('--out <file>', 'tệp bundle / bundle file')
    .action(async (o: { custodian: string; before: string; out: string }) => {
      await withPlatform(async (p) => {
        const a = await p.ledger.archive(o.custodian, o.before, `cli:${os.userInfo().username}`);
        fs.writeFileSync(o.out, a.bundle);
        console.log(`Đã lưu trữ / archived ${a.up_to_index} mục / entries → ${o.out} (sha256 ${a.sha256})`);
      });
    });

  return cmd;
}

async function withPlatform(fn: (p: Awaited<ReturnType<(typeof import('../platform.ts'))['openPlatform']>>) => Promise<void>): Promise<void> {
  const { loadConfig } = await import('../core/config.ts');
  const { openPlatform } = await import('../platform.ts');
  const platform = await openPlatform(loadConfig());
  try {
    await fn(platform);
  } finally {
    await platform.close();
  }
}

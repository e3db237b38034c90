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
  cmd.command('verify')
    .description('Tính lại toàn bộ nhật ký và kiểm tra chữ ký / recompute every leaf, the tree and every checkpoint signature; exit 1 on divergence')
    .option('--custodian <code>', 'chỉ một nhật ký / one log only (agency code)')
    .option('--json', 'JSON output')
    .action(async (o: { custodian?: string; json?: boolean }) => {
      const { loadConfig } = await import('../core/config.ts');
      const { openPlatform } = await import('../platform.ts');
      const platform = await openPlatform(loadConfig());
      try {
        const reports = await platform.ledger.verify(o.custodian, progressBar());
        if (o.json) console.log(JSON.stringify(reports, null, 2));
        else for (const r of reports) {
          console.log(r.ok
            ? `${r.log}: OK — ${r.entries} mục / entries, ${r.checkpoints} điểm kiểm tra / checkpoints`
            : `${r.log}: SAI LỆCH / DIVERGENCE${r.divergence!.index !== null ? ` tại mục / at entry ${r.divergence!.index}` : ''}: ${r.divergence!.what}`);
        }
        if (reports.some((r) => !r.ok)) process.exitCode = 1;
      } finally {
        await platform.close();
      }
    });
  return cmd;
}

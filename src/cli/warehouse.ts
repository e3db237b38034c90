import os from 'node:os';
import { Command } from 'commander';
import type { Platform } from '../platform.ts';

/** How the command gets a platform: opened from the configuration, or (tests) one already open, left open. */
export type WarehousePlatformSource = () => Promise<{ platform: Pick<Platform, 'warehouse'>; done(): Promise<void> }>;

const fromConfig: WarehousePlatformSource = async () => {
  const { loadConfig } = await import('../core/config.ts');
  const { openPlatform } = await import('../platform.ts');
  const platform = await openPlatform(loadConfig());
  return { platform, done: () => platform.close() };
};

export function warehouseCommand(source: WarehousePlatformSource = fromConfig, out: (line: string) => void = (l) => console.log(l)): Command {
  const cmd = new Command('warehouse').description('Kho dữ liệu dùng chung / the shared data warehouse (R-7.3)');
  cmd
    .command('export-parquet')
    .description(
      'Xuất toàn bộ bảng thành Parquet phân vùng theo bộ dữ liệu và ngày, kèm manifest.json có SHA-256 / export the whole tables as Parquet partitioned by dataset and date, with a manifest of checksums; logged in each custodian’s sharing log (R-17.2). The warehouse file must not be held by a running server: use POST /api/v1/warehouse/parquet-exports there',
    )
    .requiredOption('--out <dir>', 'thư mục đích, mới hoặc rỗng / target directory, new or empty')
    .option('--no-ingest', 'không nạp luồng thay đổi trước / do not catch up with the change feed first')
    .option('--json', 'in manifest / print the manifest as JSON')
    .action(async (o: { out: string; ingest: boolean; json?: boolean }) => {
      const { platform, done } = await source();
      try {
        if (o.ingest) await platform.warehouse.ingest();
        const { COORDINATOR_AGENCY } = await import('../registry/index.ts');
        // The operator acts for the coordinator, who runs the platform; the account names the person at the machine.
        const r = await platform.warehouse.exportParquetTo({ agency: COORDINATOR_AGENCY, account: `cli:${os.userInfo().username}` }, o.out);
        if (o.json) out(JSON.stringify(r, null, 2));
        else {
          for (const d of r.manifest.datasets)
            out(
              `${d.code}: ${d.rows} dòng / rows, ${r.manifest.files.filter((f) => f.dataset === d.code).length} tệp / files (vị trí / position ${d.position})`,
            );
          out(`Đã xuất / exported ${r.export_id} → ${r.directory} (manifest.json sha256 ${r.manifest_sha256})`);
          out(`Biên nhận nhật ký / log receipts: ${r.receipts.map((x) => `${x.log}:${x.id}`).join(', ') || '-'}`);
        }
      } finally {
        await done();
      }
    });
  return cmd;
}

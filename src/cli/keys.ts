import { Command } from 'commander';

export function keysCommand(): Command {
  const cmd = new Command('keys').description("Khoá của nền tảng / the platform's keys");
  cmd
    .command('rotate-kek')
    .description(
      'Thay khoá mã hoá khoá (KEK): bọc lại khoá dữ liệu, không mã hoá lại bản ghi / new key-encryption key: re-wraps the data keys, no record is re-encrypted (R-11)',
    )
    .option('--json', 'JSON output')
    .action(async (o: { json?: boolean }) => {
      const { loadConfig } = await import('../core/config.ts');
      const { openPlatform } = await import('../platform.ts');
      const config = loadConfig();
      const platform = await openPlatform(config);
      try {
        const r = await platform.sync.sealing.rotateKek();
        if (o.json) console.log(JSON.stringify({ ...r, kek_file: config.kekFile }, null, 2));
        else {
          console.log(`KEK ${r.from} → ${r.to}: ${r.rewrapped} khoá dữ liệu đã bọc lại / data keys re-wrapped (${config.kekFile})`);
          console.log(
            `Khoá cũ giữ lại / the old KEK is kept as ${config.kekFile}.${r.from}.retired — chỉ cần để đọc bản sao CSDL cũ hơn / needed only to read database backups older than now`,
          );
        }
      } finally {
        await platform.close();
      }
    });
  return cmd;
}

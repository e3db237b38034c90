import { Command } from 'commander';
import { Problem } from '../core/errors.ts';
import { DataDirectoryLockedError } from '../db/data-dir.ts';
import { adminCommand } from './admin.ts';
import { calendarCommand } from './calendar.ts';
import { codeListCommand } from './codelist.ts';
import { keysCommand } from './keys.ts';
import { ledgerCommand } from './ledger.ts';
import { migrateCommand, statusCommand } from './database.ts';
import { reportCommand } from './report.ts';
import { serveCommand } from './serve.ts';
import { warehouseCommand } from './warehouse.ts';

const program = new Command('lienthong')
  .description('Liên Thông — nền tảng kết nối, chia sẻ dữ liệu (Quy định 384-QĐ/TW) / data sharing platform')
  .version('0.1.0')
  .showHelpAfterError();

program.addCommand(serveCommand());
program.addCommand(migrateCommand());
program.addCommand(statusCommand());
program.addCommand(adminCommand());
program.addCommand(codeListCommand());
program.addCommand(ledgerCommand());
program.addCommand(reportCommand());
program.addCommand(calendarCommand());
program.addCommand(keysCommand());
program.addCommand(warehouseCommand());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof Problem) {
    const o = err.options;
    console.error(`Lỗi: ${err.kind.title}${o.detail ? ` — ${o.detail}` : ''}`);
    console.error(`Error: ${err.kind.title_en}${o.detail_en ? ` — ${o.detail_en}` : ''}`);
    for (const e of o.errors ?? []) console.error(`  ${e.path}: ${e.message} / ${e.message_en}`);
  } else if (err instanceof DataDirectoryLockedError) {
    console.error(err.message);
    process.exitCode = DataDirectoryLockedError.EXIT_CODE;
  } else {
    console.error(`Lỗi / Error: ${err instanceof Error ? err.message : String(err)}`);
  }
  process.exitCode ??= 1;
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline/promises';
import { Command, Option } from 'commander';
import type { Principal } from '../registry/principal.ts';
import type { CodeListDiff, ImportFormat } from '../codelists/types.ts';

/** The CLI runs with database access, as the coordinator, named after the OS user in the history. */
function cliPrincipal(): Principal {
  return {
    userId: '00000000-0000-0000-0000-000000000000',
    username: `cli:${os.userInfo().username}`,
    fullName: 'Command line',
    agencyCode: 'VPTW',
    roles: ['coordinator'],
    sessionId: '00000000-0000-0000-0000-000000000000',
    sessionExpiresAt: new Date(8.64e15),
  };
}

async function withPlatform<T>(fn: (p: Awaited<ReturnType<(typeof import('../platform.ts'))['openPlatform']>>) => Promise<T>): Promise<T> {
  const { loadConfig } = await import('../core/config.ts');
  const { openPlatform } = await import('../platform.ts');
  const platform = await openPlatform(loadConfig());
  try {
    return await fn(platform);
  } finally {
    await platform.close();
  }
}

function formatOf(file: string, given?: string): ImportFormat {
  const f = (given ?? path.extname(file).slice(1)).toLowerCase();
  if (f === 'csv' || f === 'json' || f === 'xlsx') return f;
  throw new Error(`định dạng không hỗ trợ / unsupported format "${f}" (csv, json, xlsx)`);
}

function readInput(file: string, format: ImportFormat): unknown {
  const bytes = fs.readFileSync(file);
  return format === 'json' ? JSON.parse(bytes.toString('utf8')) : format === 'csv' ? bytes.toString('utf8') : bytes;
}

function printDiff(d: CodeListDiff, show = 20): void {
  console.log(`So với phiên bản / against version: ${d.base_version ?? '(chưa có / none)'}`);
  console.log(
    `  thêm / added: ${d.added.length}   bỏ / retired: ${d.retired.length}   đổi tên / renamed: ${d.renamed.length}   đổi cấp trên / reparented: ${d.reparented.length}   đổi thuộc tính / attributes: ${d.attributes_changed.length}   giữ nguyên / unchanged: ${d.unchanged}`,
  );
  const list = (label: string, rows: string[]) => {
    if (!rows.length) return;
    console.log(`  ${label}:`);
    for (const r of rows.slice(0, show)) console.log(`    ${r}`);
    if (rows.length > show) console.log(`    … ${rows.length - show} more`);
  };
  list(
    '+ thêm / added',
    d.added.map((i) => `${i.code}  ${i.name_vi}`),
  );
  list(
    '- bỏ / retired',
    d.retired.map((i) => `${i.code}  ${i.name_vi}`),
  );
  list(
    '~ đổi tên / renamed',
    d.renamed.map((c) => `${c.code}  ${c.from.name_vi} → ${c.to.name_vi}`),
  );
  list(
    '~ đổi cấp trên / reparented',
    d.reparented.map((c) => `${c.code}  ${c.from.parent_code ?? '∅'} → ${c.to.parent_code ?? '∅'}`),
  );
}

const formatOption = () =>
  new Option('--format <format>', 'csv | json | xlsx (mặc định theo đuôi tệp / default: from the file extension)').choices(['csv', 'json', 'xlsx']);

export function codeListCommand(): Command {
  const cmd = new Command('codelist').description('Danh mục dùng chung / shared code lists');

  cmd
    .command('export <list>')
    .description('Xuất phiên bản hiệu lực / export the version in force')
    .addOption(formatOption())
    .option('--on <date>', 'ngày hiệu lực YYYY-MM-DD theo lịch Việt Nam, mặc định hôm nay / effective date YYYY-MM-DD in Viet Nam (UTC+7), default today')
    .option('--out <file>', 'tệp ra / output file (default: stdout; required for xlsx)')
    .action(async (list: string, o: { format?: string; on?: string; out?: string }) => {
      const format = o.out ? formatOf(o.out, o.format) : formatOf('', o.format ?? 'csv');
      if (format === 'xlsx' && !o.out) throw new Error('XLSX cần --out / XLSX needs --out');
      await withPlatform(async (p) => {
        const out = await p.codeLists.export(list, format, o.on);
        if (o.out) {
          fs.writeFileSync(o.out, out.body);
          console.error(
            `Đã xuất / exported ${list} v${out.version.version_no} (${out.version.item_count} mục / items, hiệu lực / in force ${out.on}) → ${o.out}`,
          );
        } else process.stdout.write(out.body);
      });
    });

  cmd
    .command('diff <list>')
    .description('So sánh tệp với phiên bản hiệu lực, không ban hành / compare a file with the version in force; publishes nothing')
    .requiredOption('--file <file>', 'tệp CSV, JSON hoặc XLSX / CSV, JSON or XLSX file')
    .addOption(formatOption())
    .action(async (list: string, o: { file: string; format?: string }) => {
      const format = formatOf(o.file, o.format);
      await withPlatform(async (p) => {
        printDiff((await p.codeLists.diffFile(list, format, readInput(o.file, format))).diff);
      });
    });

  cmd
    .command('import <list>')
    .description('Nhập tệp thành phiên bản mới: hiện khác biệt, chỉ ban hành khi xác nhận / import a file as a new version after confirmation')
    .requiredOption('--file <file>', 'tệp CSV, JSON hoặc XLSX / CSV, JSON or XLSX file')
    .requiredOption(
      '--effective-from <date>',
      'ngày có hiệu lực YYYY-MM-DD theo lịch Việt Nam (UTC+7), không trước hôm nay / first day in force, Viet Nam date, not before today',
    )
    .option('--effective-to <date>', 'ngày hết hiệu lực YYYY-MM-DD theo lịch Việt Nam (UTC+7) / day it stops being in force, Viet Nam date')
    .option('--legal-basis <text>', 'căn cứ pháp lý / legal basis, e.g. "Quyết định số …"')
    .option('--note <text>', 'ghi chú / note')
    .option('--yes', 'ban hành không hỏi lại / publish without asking')
    .addOption(formatOption())
    .action(
      async (
        list: string,
        o: { file: string; format?: string; effectiveFrom: string; effectiveTo?: string; legalBasis?: string; note?: string; yes?: boolean },
      ) => {
        const format = formatOf(o.file, o.format);
        await withPlatform(async (p) => {
          const who = cliPrincipal();
          const preview = await p.codeLists.previewImport(who, list, format, readInput(o.file, format));
          printDiff(preview.diff);
          let confirmed = Boolean(o.yes);
          if (!confirmed && process.stdin.isTTY) {
            const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
            confirmed = /^(y|yes|c|có|co)$/i.test((await rl.question(`Ban hành phiên bản mới có hiệu lực từ ${o.effectiveFrom}? / Publish? [y/N] `)).trim());
            rl.close();
          }
          if (!confirmed) {
            await p.codeLists.discardImport(who, list, preview.id);
            console.log('Chưa ban hành (thêm --yes để xác nhận) / not published (pass --yes to confirm)');
            process.exitCode = 3;
            return;
          }
          const v = await p.codeLists.confirmImport(who, list, preview.id, {
            effective_from: o.effectiveFrom,
            effective_to: o.effectiveTo,
            legal_basis: o.legalBasis,
            note: o.note,
          });
          console.log(`Đã ban hành / published ${list} v${v.version_no}: ${v.item_count} mục / items, hiệu lực từ / in force from ${v.effective_from}`);
        });
      },
    );

  return cmd;
}

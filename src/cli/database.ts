import { Command } from 'commander';

// Heavy modules load on use, so `--help` starts fast.
async function openFromEnv() {
  const { loadConfig } = await import('../core/config.ts');
  const { openDatabase } = await import('../db/open.ts');
  const config = loadConfig();
  return openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
}

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('Áp dụng các bản chuyển đổi CSDL và dữ liệu tham chiếu / apply migrations and reference data (safe to run twice)')
    .action(async () => {
      const db = await openFromEnv();
      const { systemClock } = await import('../core/clock.ts');
      const { prepareDatabase } = await import('../platform.ts');
      try {
        const { applied, seeded } = await prepareDatabase(db, systemClock);
        console.log(applied.length ? `Đã áp dụng / applied: ${applied.join(', ')}` : 'CSDL đã cập nhật / database is up to date');
        if (seeded) console.log(`Dữ liệu tham chiếu thêm mới / reference rows added: ${seeded}`);
      } finally {
        await db.close();
      }
    });
}

export function statusCommand(): Command {
  return new Command('status')
    .description('Trạng thái CSDL và số liệu chính / database status and key counts')
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }) => {
      const db = await openFromEnv();
      const { appliedMigrations, pendingMigrations } = await import('../db/migrate.ts');
      const { MIGRATIONS } = await import('../migrations.ts');
      try {
        const tables = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'schema_migrations'");
        const migrated = tables.rows[0]!.n > 0;
        const applied = migrated ? await appliedMigrations(db, MIGRATIONS) : [];
        const pending = migrated ? await pendingMigrations(db, MIGRATIONS) : MIGRATIONS.map((m) => m.id);
        const count = async (t: string) =>
          migrated && applied.length === MIGRATIONS.length ? (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0]!.n : null;
        const status = {
          driver: db.driver,
          migrations: { applied: applied.map((m) => m.id), pending },
          counts: {
            agencies: await count('agencies'),
            systems: await count('information_systems'),
            users: await count('users'),
            datasets: await count('datasets'),
          },
        };
        if (opts.json) console.log(JSON.stringify(status, null, 2));
        else {
          console.log(`CSDL / database: ${status.driver}`);
          console.log(
            `Chuyển đổi / migrations: ${status.migrations.applied.length} đã áp dụng / applied, ${pending.length} chờ / pending${pending.length ? ` (${pending.join(', ')}) — chạy / run "lienthong migrate"` : ''}`,
          );
          for (const [k, v] of Object.entries(status.counts)) console.log(`  ${k}: ${v ?? '-'}`);
        }
        if (pending.length) process.exitCode = 2;
      } finally {
        await db.close();
      }
    });
}

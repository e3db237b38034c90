import { Command } from 'commander';
import type { Listener } from '../core/zones.ts';
import type { Database } from '../db/database.ts';
import { DatabaseUnavailableError } from '../db/database.ts';
import { listenWhileWaiting } from '../http/waiting.ts';

/**
 * Opens the platform; while its database cannot be reached, answers on the listeners with 503 and
 * `Retry-After` (http/waiting.ts) and tries again, waiting twice as long each time up to 10 s.
 * A database that is down at start is a state to wait out, not a reason to exit.
 */
async function openWhenReachable<T>(open: () => Promise<T>, listeners: Listener[], rebind: (bound: Listener[]) => void): Promise<T> {
  let waiting: Awaited<ReturnType<typeof listenWhileWaiting>> | undefined;
  for (let delay = 250; ; delay = Math.min(delay * 2, 10_000)) {
    try {
      const opened = await open();
      if (waiting) {
        await waiting.close();
        rebind(waiting.bound); // the same ports, even those chosen by the system (port 0)
      }
      return opened;
    } catch (err) {
      if (!(err instanceof DatabaseUnavailableError)) throw err;
      if (!waiting) {
        waiting = await listenWhileWaiting(listeners);
        const urls = waiting.bound.map((l) => `http://${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`).join(', ');
        console.log(`Chưa kết nối được cơ sở dữ liệu; đang chờ / waiting for the database (${err.message}). ${urls} trả lời 503 / answers 503.`);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

export function serveCommand(): Command {
  return new Command('serve').description('Chạy máy chủ API / run the API server (what `npm start` runs)').action(async () => {
    // Loaded on use, so `--help` and the other commands start fast.
    const { loadConfig } = await import('../core/config.ts');
    const { openDatabase } = await import('../db/open.ts');
    const config = loadConfig();
    // The database opens (PGlite compiles its WebAssembly off the main thread) while the rest
    // of the platform's code loads: a restart is that much shorter.
    let opening: Promise<Database> | null = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    opening.catch(() => undefined); // (its failure is met below, when it is awaited)
    const [{ buildServer, listenAll }, { openPlatform, startBackgroundWork }, { ensureFirstAdmin }, { printCredentials }] = await Promise.all([
      import('../http/server.ts'),
      import('../platform.ts'),
      import('../registry/bootstrap.ts'),
      import('./credentials.ts'),
    ]);
    const open = async () => {
      const pending = opening ?? openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      opening = null; // (a later attempt opens anew)
      const db = await pending;
      return openPlatform(config, { db }).catch(async (err: unknown) => {
        await db.close().catch(() => undefined);
        throw err;
      });
    };
    const platform = await openWhenReachable(open, config.listeners, (listeners) => (config.listeners = listeners));
    // Fail at start, not on the first token request, if the key directory is unusable.
    await platform.accounts.crypto.publicJwks(); // every published key: tokens, signed responses
    const firstAdmin = await ensureFirstAdmin(platform.registry.users, config);
    const app = await buildServer(platform);
    const stopWork = startBackgroundWork(platform, (err, what, retryInMs) => {
      if (err instanceof DatabaseUnavailableError) app.log.warn({ retryInMs, cause: err.message }, `${what}: database unavailable`);
      else app.log.error({ err, retryInMs }, `${what} failed`);
    });
    const bound = await listenAll(app, config.listeners);
    platform.ledger.warmUp().catch((err: unknown) => app.log.warn({ err }, 'warming the sharing-log writer failed'));
    // Proof tiles into memory in the background (ledger/tile-cache.ts); until then proofs read them from the database.
    platform.ledger.warmTiles().catch((err: unknown) => app.log.error({ err }, 'warming the sharing-log tile cache failed'));
    const url = bound[0]!.url;

    console.log('');
    console.log(
      `Liên Thông đang chạy / is running — ${platform.db.driver === 'pglite' ? `CSDL nhúng / embedded database: ${config.dataDir}` : 'PostgreSQL server'}`,
    );
    console.log(`  Trang chủ / Console:  ${url}/`);
    console.log(`  Tài liệu API / API:   ${url}/docs   (OpenAPI: ${url}/openapi.json)`);
    const { kekCreated, sealed } = platform.sealing;
    if (kekCreated) {
      console.log(`  Đã tạo khoá mã hoá khoá (KEK) / created the key-encryption key: ${kekCreated} (0600)`);
      console.log(
        '    Sao lưu tệp này riêng, không cùng bản sao CSDL / back this file up apart from the database backups: without it secret data cannot be read',
      );
    }
    if (sealed) {
      console.log(`  Đã mã hoá / sealed ${sealed} phiên bản bản ghi mật đang lưu rõ / secret record versions that were in clear`);
      if (platform.db.driver === 'postgres')
        console.log('    Chạy / run: VACUUM FULL records, record_versions — để bản cũ rời tệp dữ liệu / so the old clear row images leave the table files');
    }
    for (const b of bound)
      console.log(`  Cổng dữ liệu / Data gateway (${b.zone === 'tslcd' ? 'mạng TSLCD / dedicated network' : 'internet'}): ${b.url}/data/v1`);
    if (firstAdmin) {
      console.log('Đăng nhập lần đầu / First login:');
      console.log('  Tên đăng nhập / username: admin (coordinator, VPTW)');
      if (!firstAdmin.initial_password) console.log('  Mật khẩu / password: LIENTHONG_ADMIN_PASSWORD');
      printCredentials(firstAdmin);
      if (!firstAdmin.totp_secret) console.log('  Khoá TOTP / TOTP secret: LIENTHONG_ADMIN_TOTP_SECRET');
      console.log('  Thêm khoá TOTP vào ứng dụng xác thực, rồi / add the TOTP secret to an authenticator app, then:');
      console.log(`  curl -s -X POST ${url}/api/v1/auth/login -H 'content-type: application/json' \\`);
      console.log(`       -d '{"username":"admin","password":"<mật khẩu>","totp":"<6 số>"}'`);
    } else {
      console.log('  Đăng nhập bằng tài khoản đã có / sign in with an existing account: POST /api/v1/auth/login');
    }
    console.log('');

    let closing = false;
    const shutdown = async (signal: string) => {
      if (closing) return;
      closing = true;
      app.log.info({ signal }, 'shutting down');
      // In-flight requests finish; new ones get 503 (return503OnClosing) until the socket closes.
      stopWork();
      await app.close();
      await platform.close();
      process.exit(0);
    };
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    process.on('SIGINT', () => void shutdown('SIGINT'));
  });
}

import { Command } from 'commander';

export function serveCommand(): Command {
  return new Command('serve')
    .description('Chạy máy chủ API / run the API server (what `npm start` runs)')
    .action(async () => {
      // Loaded on use, so `--help` and the other commands start fast.
      const { loadConfig } = await import('../core/config.ts');
      const { buildServer, listenAll } = await import('../http/server.ts');
      const { openPlatform, startBackgroundWork } = await import('../platform.ts');
      const { ensureFirstAdmin } = await import('../registry/bootstrap.ts');
      const { printCredentials } = await import('./credentials.ts');
      const config = loadConfig();
      const platform = await openPlatform(config);
      // Fail at start, not on the first token request, if the key directory is unusable.
      await platform.accounts.crypto.publicJwks(); // every published key: tokens, signed responses
      const firstAdmin = await ensureFirstAdmin(platform.registry.users, config);
      const app = await buildServer(platform);
      const stopWork = startBackgroundWork(platform, (err, what) => app.log.error({ err }, `${what} failed`));
      const bound = await listenAll(app, config.listeners);
      // Proof tiles into memory in the background (ledger/tile-cache.ts); until then proofs read them from the database.
      platform.ledger.warmTiles().catch((err: unknown) => app.log.error({ err }, 'warming the sharing-log tile cache failed'));
      const url = bound[0]!.url;

      console.log('');
      console.log(`Liên Thông đang chạy / is running — ${platform.db.driver === 'pglite' ? `CSDL nhúng / embedded database: ${config.dataDir}` : 'PostgreSQL server'}`);
      console.log(`  Trang chủ / Console:  ${url}/`);
      console.log(`  Tài liệu API / API:   ${url}/docs   (OpenAPI: ${url}/openapi.json)`);
      for (const b of bound) console.log(`  Cổng dữ liệu / Data gateway (${b.zone === 'tslcd' ? 'mạng TSLCD / dedicated network' : 'internet'}): ${b.url}/data/v1`);
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

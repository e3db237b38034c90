import { Command } from 'commander';
import { ROLES, type Role, SYSTEM_ACTOR } from '../registry/principal.ts';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function adminCommand(): Command {
  const admin = new Command('admin').description('Quản trị / administration');
  admin
    .command('create-user')
    .description('Tạo người dùng (cán bộ) / create an official')
    .requiredOption('--username <name>', 'tên đăng nhập / username (a-z, 0-9, . _ -)')
    .requiredOption('--full-name <name>', 'họ và tên / full name')
    .requiredOption('--agency <code>', 'mã cơ quan / agency code, e.g. BTCTW')
    .requiredOption('--role <role>', `vai trò / role (repeatable): ${ROLES.join(', ')}`, collect, [])
    .option('--email <email>', 'thư điện tử / email')
    .option('--password <password>', 'mật khẩu (≥ 12 ký tự); mặc định sinh ngẫu nhiên / default: generated')
    .action(async (o: { username: string; fullName: string; agency: string; role: string[]; email?: string; password?: string }) => {
      const bad = o.role.filter((r) => !(ROLES as readonly string[]).includes(r));
      if (bad.length) throw new Error(`vai trò không hợp lệ / unknown role: ${bad.join(', ')}`);
      const { loadConfig } = await import('../core/config.ts');
      const { openPlatform } = await import('../platform.ts');
      const { printCredentials } = await import('./credentials.ts');
      const platform = await openPlatform(loadConfig());
      try {
        const created = await platform.registry.users.create(SYSTEM_ACTOR, {
          username: o.username,
          full_name: o.fullName,
          agency_code: o.agency,
          roles: o.role as Role[],
          email: o.email,
          password: o.password,
        });
        console.log(`Đã tạo / created: ${created.user.username} (${created.user.agency_code}; ${created.user.roles.join(', ')})`);
        printCredentials(created);
      } finally {
        await platform.close();
      }
    });
  return admin;
}

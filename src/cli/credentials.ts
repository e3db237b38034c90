import type { CreatedUser } from '../registry/users.ts';

/** Secrets generated for a new user are printed once and never stored in clear. */
export function printCredentials(c: CreatedUser): void {
  if (c.initial_password) console.log(`  Mật khẩu / password:   ${c.initial_password}   (chỉ hiện một lần / shown once)`);
  if (c.totp_secret) {
    console.log(`  Khoá TOTP / TOTP secret: ${c.totp_secret}   (chỉ hiện một lần / shown once)`);
    console.log(`  ${c.otpauth_uri}`);
  }
}

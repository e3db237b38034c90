import crypto from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import * as OTPAuth from 'otpauth';

/**
 * Password hashing: argon2id with OWASP's minimum profile (19 MiB, t=2, p=1).
 * `2` is Argon2id in @node-rs/argon2's const enum, which isolated-module
 * compilers (tsx) cannot inline.
 */
const ARGON2ID = 2;
const ARGON2_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 12;

export function hashPassword(password: string): Promise<string> {
  return hash(password.normalize('NFC'), ARGON2_OPTIONS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password.normalize('NFC'));
  } catch {
    return false;
  }
}

/** A hash of a random password, verified against when the user does not exist, so timing does not reveal usernames. */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(crypto.randomBytes(24).toString('base64'));
  return decoyHash;
}

export function generatePassword(): string {
  return crypto.randomBytes(18).toString('base64url');
}

// TOTP (RFC 6238): SHA-1, 6 digits, 30 s steps — what every authenticator app reads.
const PERIOD = 30;

export function generateTotpSecret(): string {
  return new OTPAuth.Secret({ size: 20 }).base32;
}

export function isBase32Secret(s: string): boolean {
  return /^[A-Z2-7]{16,128}=*$/.test(s);
}

function totp(secret: string, username = 'user'): OTPAuth.TOTP {
  return new OTPAuth.TOTP({
    issuer: 'Lien Thong',
    label: username,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD,
    secret: OTPAuth.Secret.fromBase32(secret),
  });
}

export function totpUri(secret: string, username: string): string {
  return totp(secret, username).toString();
}

export function totpCode(secret: string, at: Date): string {
  return totp(secret).generate({ timestamp: at.getTime() });
}

/**
 * Validates a code within ±1 step and returns the step it belongs to, or null.
 * The caller refuses a step not later than the last one used (no replay).
 */
export function totpStep(secret: string, code: string, at: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(secret).validate({ token: code, timestamp: at.getTime(), window: 1 });
  if (delta === null) return null;
  return Math.floor(at.getTime() / 1000 / PERIOD) + delta;
}

/** Session tokens: 256 random bits; only their SHA-256 is stored. */
export function newSessionToken(): { token: string; hash: string } {
  const token = 'lts_' + crypto.randomBytes(32).toString('base64url');
  return { token, hash: tokenHash(token) };
}

export function tokenHash(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

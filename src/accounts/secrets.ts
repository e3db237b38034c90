import crypto from 'node:crypto';

/** Public identifier of a connection account: not a secret, safe in logs and tokens. */
export function newClientId(): string {
  return 'ltc_' + crypto.randomBytes(12).toString('hex');
}

/** 256 random bits; the prefix lets secret scanners recognise a leaked one. */
export function newClientSecret(): { secret: string; hash: string } {
  const secret = 'ltcs_' + crypto.randomBytes(32).toString('base64url');
  return { secret, hash: secretHash(secret) };
}

/**
 * SHA-256, not argon2: slow hashes protect guessable passwords, but a 256-bit random secret
 * cannot be guessed whatever the hash speed, and the token endpoint must stay cheap under load.
 */
export function secretHash(secret: string): string {
  return crypto.createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares digests in constant time, so response time does not reveal how much of a guess matched. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(secretHash(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

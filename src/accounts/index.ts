// Skeleton: replaced by the connection-accounts implementation (issue 4).
import type { FastifyInstance } from 'fastify';
import type { Migration } from '../db/migrate.ts';

export const accountMigrations: Migration[] = [];

export function createAccounts() {
  return {};
}

export type Accounts = ReturnType<typeof createAccounts>;

export function accountRoutes(_accounts: Accounts) {
  return async function routes(_app: FastifyInstance): Promise<void> {};
}

export function oauthRoutes(_accounts: Accounts) {
  return async function routes(_app: FastifyInstance): Promise<void> {};
}

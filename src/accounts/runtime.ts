import { type ModuleRuntime, routePlugin } from '../core/module.ts';
import { type RateLimiters, rateLimiters } from '../core/rate-limit.ts';
import { accountRoutes } from './routes.ts';
import { oauthRoutes } from './oauth-routes.ts';
import type { Accounts } from './index.ts';

/**
 * Connection accounts' routes, and OAuth's at the root (its well-known documents have fixed
 * paths); refused client authentications are slowed to `failuresPerSecond` (on buckets every
 * instance shares when `limits` keeps them in Redis).
 */
export function accountsRuntime(accounts: Accounts, failuresPerSecond: number, limits: RateLimiters = rateLimiters()): ModuleRuntime {
  return {
    routes: [
      { plugin: routePlugin('accounts-routes', accountRoutes(accounts)), prefix: '/api/v1' },
      { plugin: routePlugin('oauth-routes', oauthRoutes(accounts, limits('oauth-failures', failuresPerSecond, failuresPerSecond * 5))), prefix: '' },
    ],
    tags: [{ name: 'accounts', description: 'Tài khoản kết nối / Connection accounts, OAuth 2.0 (R-14.1, R-14.2)' }],
  };
}

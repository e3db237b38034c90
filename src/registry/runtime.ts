import { type ModuleRuntime, routePlugin } from '../core/module.ts';
import { registryRoutes } from './routes.ts';
import type { Registry } from './index.ts';

/** The registry's running parts: sign-in, agencies, information systems and officials. */
export function registryRuntime(registry: Registry): ModuleRuntime {
  return {
    routes: [{ plugin: routePlugin('registry-routes', registryRoutes(registry)), prefix: '/api/v1' }],
    tags: [
      { name: 'auth', description: 'Đăng nhập / Sign-in' },
      { name: 'registry', description: 'Cơ quan, hệ thống, người dùng / Agencies, systems, users' },
    ],
  };
}

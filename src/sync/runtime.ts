import { type ModuleRuntime, routePlugin } from '../core/module.ts';
import { syncRoutes } from './routes.ts';
import type { Sync } from './index.ts';

/** Hosted data's routes; a batch may be as large as `bulkLimit`. */
export function syncRuntime(sync: Sync, bulkLimit: number): ModuleRuntime {
  return {
    routes: [{ plugin: routePlugin('sync-routes', syncRoutes(sync, bulkLimit)), prefix: '/api/v1' }],
    tags: [{ name: 'hosted-data', description: 'Dữ liệu lưu trên nền tảng / Hosted data (R-6.1a)' }],
  };
}

import { type ModuleRuntime, routePlugin } from '../core/module.ts';
import { lifecycleRoutes } from './routes.ts';
import type { Lifecycle } from './index.ts';

/** Suspension, termination and the public notice board's routes; notices link to `publicUrl`. */
export function lifecycleRuntime(lifecycle: Lifecycle, publicUrl: string): ModuleRuntime {
  return {
    routes: [{ plugin: routePlugin('lifecycle-routes', lifecycleRoutes(lifecycle, publicUrl)), prefix: '/api/v1' }],
    tags: [
      { name: 'notices', description: 'Thông báo công khai / Public notice board (R-15.3, R-15.4)' },
      { name: 'lifecycle', description: 'Tạm ngừng, chấm dứt / Suspension and termination (R-15, R-16)' },
    ],
  };
}

import { type ModuleRuntime, routePlugin } from '../core/module.ts';
import { catalogRoutes } from './routes.ts';
import { reviewRoutes } from './review-routes.ts';
import type { Catalog } from './index.ts';

/** The catalog's routes; a bulk body may be as large as `bulkLimit`. */
export function catalogRuntime(catalog: Catalog, bulkLimit: number): ModuleRuntime {
  return {
    routes: [
      { plugin: routePlugin('catalog-routes', catalogRoutes(catalog, bulkLimit)), prefix: '/api/v1' },
      { plugin: routePlugin('catalog-review-routes', reviewRoutes(catalog)), prefix: '/api/v1' },
    ],
    tags: [{ name: 'catalog', description: 'Danh mục dữ liệu / Catalog' }],
  };
}

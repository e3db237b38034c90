import { type ModuleRuntime, routePlugin } from '../core/module.ts';
import { warehouseRoutes } from './routes.ts';
import type { Warehouse } from './service.ts';

/**
 * The warehouse's routes, and its ingestion from the change feed every 5 s (each server instance
 * keeps its own DuckDB file and feeds it itself; the feed's positions make a pass resumable).
 */
export function warehouseRuntime(wh: Warehouse): ModuleRuntime {
  return {
    routes: [{ plugin: routePlugin('warehouse-routes', warehouseRoutes(wh)), prefix: '/api/v1' }],
    tags: [{ name: 'warehouse', description: 'Kho dữ liệu dùng chung / Shared data warehouse (R-7.3): SQL over non-secret data, by grant, logged (R-17.2)' }],
    jobs: [{ name: 'warehouse ingestion', periodMs: 5_000, run: () => wh.ingest() }],
    close: () => wh.close(),
  };
}

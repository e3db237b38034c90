import { type ModuleRuntime, routePlugin } from '../core/module.ts';
import { type GatewayRouteOptions, gatewayRoutes } from './routes.ts';
import type { Gateway } from './service.ts';
import { upstreamRoutes } from './upstream-routes.ts';
import type { UpstreamService } from './upstreams.ts';

/**
 * The data gateway (/data/v1) and the registration of proxied services; at shutdown, the last
 * exchange summaries are written if the database is still there.
 */
export function gatewayRuntime(gateway: Gateway, upstreams: UpstreamService, limits: GatewayRouteOptions): ModuleRuntime {
  return {
    routes: [
      { plugin: routePlugin('upstream-routes', upstreamRoutes(upstreams)), prefix: '/api/v1' },
      { plugin: routePlugin('gateway-routes', gatewayRoutes(gateway, limits)), prefix: '/data/v1' },
    ],
    tags: [{ name: 'data', description: 'Cổng dữ liệu / Data gateway (/data/v1): hosted and proxied datasets, signed, logged (R-3.3, R-6.1)' }],
    close: () => gateway.close().catch(() => undefined),
  };
}

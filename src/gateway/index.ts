
export { createGateway, type Gateway, type GatewayDeps, type GatewayOptions } from './service.ts';
export { createExportStore, type ExportStore } from './export-store.ts';
export { createUpstreamService, type UpstreamService, type ProxyService } from './upstreams.ts';
export { gatewayRoutes, refuseBeforeRouting, refuseUnparsed } from './routes.ts';
export { upstreamRoutes } from './upstream-routes.ts';
export { PURPOSE_HEADER, RECEIPT_HEADER, SIGNATURE_HEADER, LOG_HEADER } from './exchange.ts';

export { gatewayModule } from './module.ts';
export { gatewayRuntime } from './runtime.ts';

export { createGateway, type Gateway } from './service.ts';
export { createUpstreamService, type UpstreamService } from './upstreams.ts';
export { refuseBeforeRouting, refuseUnparsed } from './routes.ts';
export { createExportStore } from './export-store.ts';

export { gatewayRuntime } from './runtime.ts';

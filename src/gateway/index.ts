export { createGateway, type Gateway } from './service.ts';
export { createUpstreamService, type UpstreamService } from './upstreams.ts';
export { refuseBeforeRouting, refuseUnparsed } from './routes.ts';
export { createExportStore } from './export-store.ts';

export { gatewayRuntime } from './runtime.ts';
export type { PushEvent } from './pushes.ts';
export { gatewayRequest, send as sendGatewayResponse } from './routes.ts';
export { RECEIPT_HEADER, SIGNATURE_HEADER } from './exchange.ts';
export { feedCursor } from './feeds.ts';
export type { Authorized } from './service.ts';

export { createGateway, type DeliveryParty, type Gateway } from './service.ts';
export { type DeliveryBatch } from './feeds.ts';
export { SIGNATURE_HEADER, RECEIPT_HEADER, type GatewayResponse } from './exchange.ts';
export { createUpstreamService, type UpstreamService } from './upstreams.ts';
export { refuseBeforeRouting, refuseUnparsed } from './routes.ts';
export { createExportStore } from './export-store.ts';

export { gatewayRuntime } from './runtime.ts';
export type { PushEvent } from './pushes.ts';
export { gatewayRequest, send as sendGatewayResponse } from './routes.ts';
export { feedCursor } from './feeds.ts';
export type { Authorized } from './service.ts';
/** What of a record may leave: the warehouse applies the same plan to its per-analyst views. */
export { type ShapePlan, shapePlan, shapeRecord } from './shaping.ts';

export { createWarehouse, type Warehouse } from './service.ts';

export { warehouseRuntime } from './runtime.ts';

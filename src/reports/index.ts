export { createReports, type Reports } from './service.ts';
export { type FiguresVerification } from './verify.ts';

export { reportsRuntime } from './runtime.ts';

// The log (sequencing, tiles, checkpoints, proofs, verification): what the sharing-log application
// in ../ builds on. Nothing here knows principals, the entry format or HTTP.
export { type LogOptions, type SequencedIndex, createLog } from './log.ts';
export { type CheckpointRow, originOf } from './checkpoints.ts';
export { CompactRange } from './compact-range.ts';
export { KnownLogs } from './known-logs.ts';
export { type Divergence, type LeafRule, type LogVerifyOptions, type VerifyReport } from './verify.ts';

import { Type } from 'typebox';

/** Schemas the warehouse's routes share (queries, saved queries, dashboards). */
export const ParamValue = Type.Union([Type.String({ maxLength: 2000 }), Type.Number(), Type.Boolean(), Type.Null()]);
export const Params = Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), ParamValue, {
  description: 'Giá trị các tham số $ten / values of the $name parameters',
});
export const Receipt = Type.Object({ log: Type.String(), id: Type.String() });
export const Answer = Type.Object({
  query_id: Type.String(),
  columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
  rows: Type.Array(Type.Array(Type.Unknown())),
  truncated: Type.Boolean(),
  as_of: Type.Union([Type.String(), Type.Null()]),
  datasets: Type.Array(Type.String()),
  suppressed_below: Type.Union([Type.Integer(), Type.Null()], { description: 'Nhóm ít hơn số bản ghi này bị ẩn / groups under this size are withheld' }),
  sha256: Type.String({ description: 'SHA-256 của {columns, rows, truncated, as_of} như được ghi nhật ký / as logged' }),
  receipts: Type.Array(Receipt, { description: 'Biên nhận nhật ký chia sẻ của từng cơ quan chủ quản / sharing-log receipts (R-17.2)' }),
});
export const Chart = Type.Object({
  type: Type.Union([Type.Literal('bar'), Type.Literal('line'), Type.Literal('pie')]),
  x: Type.String({ maxLength: 200 }),
  y: Type.Array(Type.String({ maxLength: 200 }), { minItems: 1, maxItems: 10 }),
});

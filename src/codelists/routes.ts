import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Problem, PROBLEMS } from '../core/errors.ts';
import { principalOf, withVersion } from '../http/context.ts';
import { decodeUtf8 } from '../http/text-body.ts';
import {
  BearerSecurity,
  HistoryEntry,
  IfMatchHeaders,
  Pagination,
  QueryString,
  Timestamp,
  VietnamDate,
  VietnamDateOut,
  errors,
  pageOf,
  versionFromIfMatch,
} from '../http/schemas.ts';
import { MEDIA_TYPES, formatOfMediaType } from './formats.ts';
import type { CodeLists } from './index.ts';
import type { CodeItem, CodeListPatch, ImportFormat } from './types.ts';

const security = BearerSecurity;
const tags = ['code-lists'];
const ListCode = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,63}$' });
const CodeParam = Type.Object({ code: Type.String({ maxLength: 64 }) });
const EffectiveFrom =
  'Ngày bắt đầu có hiệu lực; phiên bản mới không trước hôm nay và sau phiên bản mới nhất / First day in force; a new version starts neither before today nor on or before the latest version';
const EffectiveTo = 'Ngày hết hiệu lực (không còn hiệu lực từ ngày này), sau effective_from / Day the version stops being in force, after effective_from';
const On = 'Ngày tra cứu, mặc định là hôm nay / The date to look up, default today';
const Nullable = (s: ReturnType<typeof Type.String>) => Type.Union([s, Type.Null()]);

const Version = Type.Object({
  version_no: Type.Integer(),
  effective_from: VietnamDateOut(EffectiveFrom),
  effective_to: Type.Union([VietnamDateOut(EffectiveTo), Type.Null()]),
  legal_basis: Type.Union([Type.String(), Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()]),
  item_count: Type.Integer(),
  checksum: Type.String(),
  published_by: Type.String(),
  published_at: Timestamp,
});
const CodeList = Type.Object({
  code: Type.String(),
  name_vi: Type.String(),
  name_en: Type.String(),
  issuer: Type.String(),
  legal_basis: Type.String(),
  source_note: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  version: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
const Name = Type.String({ minLength: 1, maxLength: 300 });
const Editable = {
  name_vi: Name,
  name_en: Name,
  issuer: Name,
  legal_basis: Type.String({ minLength: 1, maxLength: 500 }),
  source_note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
};
const CodeListPatchBody = Type.Partial(Type.Object(Editable), { additionalProperties: false, minProperties: 1 });
const Attributes = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]));
const Item = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 64, pattern: '^\\S+$' }),
    name_vi: Type.String({ minLength: 1, maxLength: 500 }),
    name_en: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    parent_code: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
    attributes: Type.Optional(Attributes),
  },
  { additionalProperties: false },
);
const ItemOut = Type.Object({
  code: Type.String(),
  name_vi: Type.String(),
  name_en: Type.Union([Type.String(), Type.Null()]),
  parent_code: Type.Union([Type.String(), Type.Null()]),
  attributes: Attributes,
});
const PublishBody = {
  effective_from: VietnamDate(EffectiveFrom),
  effective_to: Type.Optional(Nullable(VietnamDate(EffectiveTo))),
  legal_basis: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
};
const Change = Type.Object({ code: Type.String(), from: Type.Record(Type.String(), Type.Unknown()), to: Type.Record(Type.String(), Type.Unknown()) });
const Diff = Type.Object({
  base_version: Type.Union([Type.Integer(), Type.Null()]),
  added: Type.Array(ItemOut),
  retired: Type.Array(ItemOut),
  renamed: Type.Array(Change),
  reparented: Type.Array(Change),
  attributes_changed: Type.Array(Change),
  unchanged: Type.Integer(),
});
const Import = Type.Object({
  id: Type.String(),
  list_code: Type.String(),
  format: Type.String(),
  status: Type.String(),
  item_count: Type.Integer(),
  diff: Diff,
  created_by: Type.String(),
  created_at: Timestamp,
});
const ImportParams = Type.Object({ code: Type.String({ maxLength: 64 }), id: Type.String({ maxLength: 64 }) });

/** `importLimit`: the bulk body limit (LIENTHONG_BULK_BODY_LIMIT_BYTES), for code-list files and version bodies. */
export function codeListRoutes(codeLists: CodeLists, importLimit: number) {
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    // Files arrive as they are: CSV as text, XLSX as bytes; the service parses them.
    app.addContentTypeParser('text/csv', { parseAs: 'buffer', bodyLimit: importLimit }, (_req, body: Buffer, done) => {
      try {
        done(null, decodeUtf8(body));
      } catch (err) {
        done(err as Error, undefined);
      }
    });
    app.addContentTypeParser(MEDIA_TYPES.xlsx, { parseAs: 'buffer', bodyLimit: importLimit }, (_req, body, done) => done(null, body));

    app.get(
      '/code-lists',
      {
        schema: {
          tags,
          summary: 'Danh mục dùng chung / Shared code lists',
          security,
          querystring: QueryString({ q: Type.Optional(Type.String({ maxLength: 200 })), ...Pagination }),
          response: { 200: pageOf(Type.Intersect([CodeList, Type.Object({ current_version: Type.Union([Version, Type.Null()]) })])), ...errors(400, 401) },
        },
      },
      async (req) => {
        principalOf(req);
        return codeLists.list(req.query);
      },
    );

    app.post(
      '/code-lists',
      {
        schema: {
          tags,
          summary: 'Tạo danh mục / Create a code list (coordinator, R-18.2)',
          security,
          body: Type.Object({ code: ListCode, ...Editable }, { additionalProperties: false }),
          response: { 201: CodeList, ...errors(400, 401, 403, 409) },
        },
      },
      async (req, reply) => reply.code(201).send(await codeLists.create(principalOf(req), req.body)),
    );

    app.get(
      '/code-lists/:code',
      {
        schema: { tags, summary: 'Một danh mục / One code list', security, params: CodeParam, response: { 200: CodeList, ...errors(401, 404) } },
      },
      async (req, reply) => {
        principalOf(req);
        return withVersion(reply, await codeLists.get(req.params.code));
      },
    );

    app.patch(
      '/code-lists/:code',
      {
        schema: {
          tags,
          summary: "Sửa tên, cơ quan ban hành của danh mục / Update a code list's name or issuer (coordinator, R-18.2)",
          security,
          params: CodeParam,
          headers: IfMatchHeaders,
          description:
            'Mã danh mục và các mục không đổi ở đây: mục thay đổi bằng phiên bản mới / The code and the items do not change here: items change by a new version.',
          body: CodeListPatchBody,
          response: { 200: CodeList, ...errors(400, 401, 403, 404, 412) },
        },
      },
      async (req, reply) =>
        withVersion(reply, await codeLists.update(principalOf(req), req.params.code, req.body as CodeListPatch, versionFromIfMatch(req.headers['if-match']))),
    );

    app.get(
      '/code-lists/:code/versions',
      {
        schema: { tags, summary: 'Các phiên bản / Versions', security, params: CodeParam, response: { 200: Type.Array(Version), ...errors(401, 404) } },
      },
      async (req) => {
        principalOf(req);
        return codeLists.versions(req.params.code);
      },
    );

    app.post(
      '/code-lists/:code/versions',
      {
        bodyLimit: importLimit,
        schema: {
          tags,
          summary: 'Ban hành phiên bản mới / Publish a new version (coordinator)',
          security,
          params: CodeParam,
          body: Type.Object({ ...PublishBody, items: Type.Array(Item, { minItems: 1, maxItems: 100_000 }) }, { additionalProperties: false }),
          response: { 201: Version, ...errors(400, 401, 403, 404, 422) },
        },
      },
      async (req, reply) => {
        const { items, ...input } = req.body;
        return reply.code(201).send(await codeLists.publishVersion(principalOf(req), req.params.code, input, items as CodeItem[]));
      },
    );

    app.get(
      '/code-lists/:code/items',
      {
        schema: {
          tags,
          summary: 'Tra cứu mục theo ngày hiệu lực / Items in force on a date',
          security,
          params: CodeParam,
          querystring: QueryString({
            on: Type.Optional(VietnamDate(On)),
            q: Type.Optional(Type.String({ maxLength: 200, description: 'Tìm không dấu / diacritics-insensitive' })),
            parent: Type.Optional(Type.String({ maxLength: 64 })),
            ...Pagination,
          }),
          response: {
            200: Type.Object({
              on: VietnamDateOut('Ngày đã tra cứu / The date looked up'),
              version: Version,
              items: Type.Array(ItemOut),
              total: Type.Integer(),
              limit: Type.Integer(),
              offset: Type.Integer(),
            }),
            ...errors(400, 401, 404),
          },
        },
      },
      async (req) => {
        principalOf(req);
        return codeLists.items(req.params.code, req.query);
      },
    );

    app.get(
      '/code-lists/:code/export',
      {
        schema: {
          tags,
          summary: 'Xuất danh mục / Export (csv, json, xlsx)',
          security,
          params: CodeParam,
          querystring: QueryString({
            format: Type.Union([Type.Literal('csv'), Type.Literal('json'), Type.Literal('xlsx')], { default: 'csv' }),
            on: Type.Optional(VietnamDate(On)),
          }),
          response: { ...errors(400, 401, 404) },
        },
      },
      async (req, reply) => {
        principalOf(req);
        const format = req.query.format as ImportFormat;
        const out = await codeLists.export(req.params.code, format, req.query.on);
        return reply
          .type(MEDIA_TYPES[format])
          .header('content-disposition', `attachment; filename="${req.params.code}-v${out.version.version_no}-${out.on}.${format}"`)
          .header('x-code-list-version', String(out.version.version_no))
          .send(out.body);
      },
    );

    app.post(
      '/code-lists/:code/imports',
      {
        bodyLimit: importLimit,
        schema: {
          tags,
          summary: 'Nhập tệp, xem khác biệt trước khi ban hành / Upload a file: returns the diff, publishes nothing',
          security,
          params: CodeParam,
          description:
            'Body: the file itself, Content-Type text/csv, application/json or the XLSX media type. Columns: code, name_vi, name_en, parent_code, attr.<name>…',
          response: { 201: Import, ...errors(400, 401, 403, 404, 413, 415) },
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        const format = formatOfMediaType(req.headers['content-type']);
        if (!format)
          throw new Problem(PROBLEMS.unsupportedMediaType, {
            detail: 'Chỉ nhận text/csv, application/json hoặc XLSX.',
            detail_en: 'Send text/csv, application/json or XLSX.',
          });
        return reply.code(201).send(await codeLists.previewImport(p, req.params.code, format, req.body));
      },
    );

    app.get(
      '/code-lists/:code/imports/:id',
      {
        schema: { tags, summary: 'Một lần nhập / One import', security, params: ImportParams, response: { 200: Import, ...errors(401, 404) } },
      },
      async (req) => {
        principalOf(req);
        return codeLists.getImport(req.params.code, req.params.id);
      },
    );

    app.post(
      '/code-lists/:code/imports/:id/publish',
      {
        schema: {
          tags,
          summary: 'Xác nhận và ban hành / Confirm and publish the import as a new version',
          security,
          params: ImportParams,
          body: Type.Object(PublishBody, { additionalProperties: false }),
          response: { 201: Version, ...errors(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req, reply) => reply.code(201).send(await codeLists.confirmImport(principalOf(req), req.params.code, req.params.id, req.body)),
    );

    app.post(
      '/code-lists/:code/imports/:id/discard',
      {
        schema: { tags, summary: 'Huỷ lần nhập / Discard an import', security, params: ImportParams, response: { 204: Type.Null(), ...errors(401, 403, 404) } },
      },
      async (req, reply) => {
        await codeLists.discardImport(principalOf(req), req.params.code, req.params.id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/code-lists/:code/history',
      {
        schema: { tags, summary: 'Lịch sử / History', security, params: CodeParam, response: { 200: Type.Array(HistoryEntry), ...errors(401, 404) } },
      },
      async (req) => {
        principalOf(req);
        await codeLists.get(req.params.code);
        return codeLists.history(req.params.code);
      },
    );
  };
}

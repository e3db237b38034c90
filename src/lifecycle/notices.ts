import { Problem, PROBLEMS, forbidden, notFound } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { nfc } from '../core/text.ts';
import type { Clock } from '../core/clock.ts';
import type { Database, Queryable } from '../db/database.ts';
import { type Principal, administers } from '../registry/index.ts';
import { recordEvent } from './events.ts';

export const NOTICE_KINDS = ['planned_suspension', 'force_majeure', 'restoration', 'termination', 'correction'] as const;
type NoticeKind = (typeof NOTICE_KINDS)[number];

/** A public notice (thông báo công khai, R-15.3, R-15.4): immutable once published. */
export interface PublicNotice {
  id: string;
  reference: string;
  custodian_code: string;
  dataset_code: string | null;
  kind: NoticeKind;
  title_vi: string;
  title_en: string;
  body_vi: string;
  body_en: string;
  corrects: string | null;
  published_at: Date;
  published_by: string;
}

export type NoticeInput = Pick<PublicNotice, 'custodian_code' | 'dataset_code' | 'kind' | 'title_vi' | 'title_en' | 'body_vi' | 'body_en'> & {
  corrects?: string | null | undefined;
};

const COLUMNS = 'id, reference, custodian_code, dataset_code, kind, title_vi, title_en, body_vi, body_en, corrects, published_at, published_by';

/** Publishes in the caller's transaction: the notice exists exactly when the action it announces does. */
export async function publishNotice(tx: Queryable, n: NoticeInput, actor: string, at: Date): Promise<PublicNotice> {
  const seq = (await tx.query<{ n: number }>("SELECT nextval('public_notice_number')::int AS n")).rows[0]!.n;
  const reference = `TB-${at.getUTCFullYear()}-${String(seq).padStart(5, '0')}`;
  const r = await tx.query<PublicNotice>(
    `INSERT INTO public_notices (id, reference, custodian_code, dataset_code, kind, title_vi, title_en, body_vi, body_en, corrects, published_at, published_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${COLUMNS}`,
    [newId(), reference, n.custodian_code, n.dataset_code, n.kind, nfc(n.title_vi), n.title_en, nfc(n.body_vi), n.body_en, n.corrects ?? null, at, actor],
  );
  return r.rows[0]!;
}

export function createNoticeBoard(db: Database, clock: Clock) {
  async function get(id: string, q: Queryable = db): Promise<PublicNotice> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('thông báo', 'notice', id);
    const r = await q.query<PublicNotice>(`SELECT ${COLUMNS} FROM public_notices WHERE id = $1`, [id]);
    if (!r.rows[0]) throw notFound('thông báo', 'notice', id);
    return r.rows[0];
  }

  return {
    get,

    /** Newest first; anyone may read (the board is public). */
    async list(f: { custodian?: string | undefined; dataset?: string | undefined; limit: number; before?: string | undefined }): Promise<PublicNotice[]> {
      const r = await db.query<PublicNotice>(
        `SELECT ${COLUMNS} FROM public_notices
          WHERE ($1::text IS NULL OR custodian_code = $1) AND ($2::text IS NULL OR dataset_code = $2) AND ($3::timestamptz IS NULL OR published_at < $3)
          ORDER BY published_at DESC, id DESC LIMIT $4`,
        [f.custodian ?? null, f.dataset ?? null, f.before ?? null, f.limit],
      );
      return r.rows;
    },

    /** A correction is a new notice linked to the old one; the old one stays as it was published. */
    async correct(p: Principal, id: string, input: { body_vi: string; body_en: string; reason?: string | undefined }): Promise<PublicNotice> {
      return db.transaction(async (tx) => {
        const old = await get(id, tx);
        if (!administers(p, old.custodian_code, 'custodian_admin')) {
          throw forbidden('Chỉ cơ quan chủ quản đã đăng thông báo được đính chính.', 'Only the custodian that published the notice may correct it.', 'R-15.3');
        }
        if (!input.body_vi.trim())
          throw new Problem(PROBLEMS.validation, { detail: 'Nội dung đính chính không được để trống.', detail_en: 'The correction needs a text.' });
        const now = clock.now();
        const notice = await publishNotice(
          tx,
          {
            custodian_code: old.custodian_code,
            dataset_code: old.dataset_code,
            kind: 'correction',
            corrects: old.id,
            title_vi: `Đính chính ${old.reference}: ${old.title_vi}`,
            title_en: `Correction of ${old.reference}: ${old.title_en}`,
            body_vi: input.body_vi,
            body_en: input.body_en,
          },
          p.username,
          now,
        );
        await recordEvent(tx, {
          custodian: old.custodian_code,
          entity: 'notice',
          id: notice.id,
          action: 'correct',
          actor: p,
          at: now,
          reason: input.reason,
          details: { corrects: old.reference },
        });
        return notice;
      });
    },
  };
}

const xml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

/** RFC 4287 Atom feed of the board, so agencies and the public can subscribe. */
export function atomFeed(notices: PublicNotice[], baseUrl: string, updated: Date): string {
  const entries = notices.map(
    (n) => `  <entry>
    <id>urn:uuid:${n.id}</id>
    <title>${xml(`${n.reference} — ${n.title_vi}`)}</title>
    <link rel="alternate" type="application/json" href="${xml(`${baseUrl}/api/v1/notices/${n.id}`)}"/>
    <updated>${n.published_at.toISOString()}</updated>
    <published>${n.published_at.toISOString()}</published>
    <author><name>${xml(n.custodian_code)}</name></author>
    <category term="${n.kind}"/>${n.corrects ? `\n    <link rel="related" href="${xml(`${baseUrl}/api/v1/notices/${n.corrects}`)}"/>` : ''}
    <content type="text">${xml(`${n.body_vi}\n\n${n.title_en}\n${n.body_en}`)}</content>
  </entry>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi">
  <id>${xml(`${baseUrl}/api/v1/notices.atom`)}</id>
  <title>Liên Thông — Thông báo công khai / Public notices</title>
  <link rel="self" type="application/atom+xml" href="${xml(`${baseUrl}/api/v1/notices.atom`)}"/>
  <updated>${(notices[0]?.published_at ?? updated).toISOString()}</updated>
${entries.join('\n')}
</feed>
`;
}

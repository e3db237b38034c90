import { Alert, Tag } from 'antd';
import type { paths } from '../../api/schema.d.ts';
import { ApiError, problemMessage } from '../../api/client.ts';
import { type MessageKey, useI18n } from '../../i18n/index.tsx';
import { formatDate } from '../../time.ts';

export type Agreement = paths['/api/v1/agreements']['get']['responses'][200]['content']['application/json']['items'][number];
export type AgreementWithEvents = paths['/api/v1/agreements/{id}']['get']['responses'][200]['content']['application/json'];
export type AgreementQuery = NonNullable<paths['/api/v1/agreements']['get']['parameters']['query']>;
export type AgreementStatus = NonNullable<AgreementQuery['status']>;

export const STATUSES: AgreementStatus[] = [
  'submitted',
  'changes_requested',
  'custodian_approved',
  'active',
  'rejected',
  'revoked',
  'withdrawn',
  'expired',
  'suspended',
  'terminated',
];
export const FORMS = ['api', 'sync', 'push', 'direct'] as const;

// Dark text on a light background: every status meets WCAG AA contrast (antd's preset colours do not).
const STATUS_COLOR: Record<string, string> = {
  submitted: '#003a8c',
  changes_requested: '#614700',
  custodian_approved: '#391085',
  active: '#135200',
  scheduled: '#00474f',
  rejected: '#820014',
  revoked: '#820014',
  withdrawn: '#262626',
  expired: '#262626',
  suspended: '#612500',
  terminated: '#820014',
};

/** A message key built from a value, or the value itself when the catalog has no such key. */
export function useLabel() {
  const { t } = useI18n();
  return (prefix: string, value: string) => {
    const text = t(`${prefix}.${value}` as MessageKey);
    return text === undefined ? value : text;
  };
}

/** The status a reader sees today (effective_status: active split into scheduled / expired by the dates). */
export function StatusTag({ status }: { status: string }) {
  const label = useLabel();
  return (
    <Tag
      style={{ color: STATUS_COLOR[status] ?? '#262626', background: '#fafafa', borderColor: STATUS_COLOR[status] ?? '#d9d9d9' }}
      data-testid="agreement-status"
    >
      {label('agr.st', status)}
    </Tag>
  );
}

export function validity(a: { valid_from: string; valid_to: string }): string {
  return `${formatDate(a.valid_from)} – ${formatDate(a.valid_to)}`;
}

/** An API refusal: the rule id the API names and its message in the console's language. */
export function ProblemAlert({ error, onClose }: { error: unknown; onClose?: () => void }) {
  const { t, lang } = useI18n();
  const rule = error instanceof ApiError ? error.problem?.rule : undefined;
  const fieldErrors = error instanceof ApiError ? (error.problem?.errors ?? []) : [];
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      data-testid="agreement-problem"
      title={rule ? `${t('agr.rule', { rule })} — ${t('agr.failed')}` : t('agr.failed')}
      description={
        <>
          <div>{problemMessage(error, lang, error instanceof Error ? error.message : t('agr.failed'))}</div>
          {fieldErrors.map((e) => (
            <div key={e.path}>
              {e.path}: {lang === 'vi' ? e.message : e.message_en}
            </div>
          ))}
        </>
      }
      closable={onClose ? { onClose } : undefined}
      style={{ marginBottom: 16 }}
    />
  );
}

/** Today's date in Viet Nam as YYYY-MM-DD (the API judges validity dates against it). */
export function vietnamToday(): string {
  const [d, m, y] = formatDate(new Date()).split('/');
  return `${y}-${m}-${d}`;
}

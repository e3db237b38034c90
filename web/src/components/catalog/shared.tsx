import { Alert, Button } from 'antd';
import { ApiError, problemMessage } from '../../api/client.ts';
import { type MessageKey, useI18n } from '../../i18n/index.tsx';

/** A message of a value-keyed family (`prefix.value`), or the value itself when none. */
export function useLabel() {
  const { t } = useI18n();
  return (prefix: string, value: string | null | undefined): string => {
    if (value === null || value === undefined) return '—';
    const text = t(`${prefix}.${value}` as MessageKey);
    return text === undefined || text === `${prefix}.${value}` ? value : text;
  };
}

/** An API refusal or failure: the rule id the API names (if any) and its message in the console's language. */
export function Refusal({ error, retry, type = 'error' }: { error: unknown; retry?: () => void; type?: 'error' | 'info' | 'warning' }) {
  const { t, lang } = useI18n();
  const rule = error instanceof ApiError ? error.problem?.rule : undefined;
  const status = error instanceof ApiError ? error.status : undefined;
  const title = status === 403 ? t('ds.forbidden') : t('common.error');
  return (
    <Alert
      type={type}
      showIcon
      data-testid="refusal"
      title={rule ? `${rule} — ${title}` : title}
      description={problemMessage(error, lang, '')}
      action={
        retry && status !== 403 ? (
          <Button size="small" onClick={retry}>
            {t('common.retry')}
          </Button>
        ) : undefined
      }
    />
  );
}

export const percent = (r: number | null | undefined, lang: 'vi' | 'en') =>
  r === null || r === undefined ? '—' : `${(r * 100).toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 1 })}%`;

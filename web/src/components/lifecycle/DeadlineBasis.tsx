import { Typography } from 'antd';
import { useI18n } from '../../i18n/index.tsx';

/** The rule a computed deadline applied, as the server states it (`deadline_basis`). */
export type Basis = { requirement: string; clause: string; text_vi: string; text_en: string };

/**
 * Shown beside a deadline: the requirement and the clauses applied, and how the period was counted
 * (as the server computed it — the console never recomputes a legal deadline by itself).
 */
export function DeadlineBasis({ basis }: { basis: Basis | undefined | null }) {
  const { t, lang } = useI18n();
  if (!basis) return null;
  return (
    <Typography.Text
      type="secondary"
      style={{ fontSize: 12, display: 'block' }}
      data-testid="deadline-basis"
      title={lang === 'vi' ? basis.text_vi : basis.text_en}
    >
      {basis.requirement} — {t('lifecycle.basis', { clause: basis.clause })}
    </Typography.Text>
  );
}

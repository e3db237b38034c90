import { Tag } from 'antd';
import { useI18n } from '../../i18n/index.tsx';
import { formatDate } from '../../time.ts';

/** whether a deadline rests on days off the calendar computed and no official text announced yet (`deadline_calendar`). */
export type CalendarDependence = { depends_on_computed_days: boolean; computed_days: string[]; unannounced_years: number[] };

/** Coloured tags keep dark text: the presets' light text fails WCAG AA contrast. */
const DARK = { color: 'rgba(0, 0, 0, 0.88)', whiteSpace: 'normal' as const };

/**
 * A warning beside a deadline counted across computed days: the date may move once the Government
 * announces the year's days off. Nothing is shown when the deadline rests on announced days only.
 */
export function DeadlineCalendar({ calendar }: { calendar: CalendarDependence | undefined | null }) {
  const { t } = useI18n();
  if (!calendar?.depends_on_computed_days) return null;
  const parts = [
    calendar.computed_days.length > 0 && t('lifecycle.calendar.days', { days: calendar.computed_days.map((d) => formatDate(d)).join(', ') }),
    calendar.unannounced_years.length > 0 && t('lifecycle.calendar.years', { years: calendar.unannounced_years.join(', ') }),
  ].filter(Boolean);
  return (
    <Tag color="warning" style={{ ...DARK, display: 'inline-block', marginTop: 2 }} data-testid="deadline-calendar" title={t('lifecycle.calendar.help')}>
      ⚠ {t('lifecycle.calendar.title')}: {parts.join('; ')}
    </Tag>
  );
}

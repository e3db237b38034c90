import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/index.tsx';

export const CLASSIFICATIONS = ['normal', 'sensitive', 'secret', 'top_secret'] as const;
export const STATUSES = ['draft', 'published', 'retired'] as const;
export const MODES = ['hosted', 'proxy'] as const;
export const AUDIENCES = ['political_system', 'central_offices'] as const;
export const FREQUENCIES = ['realtime', 'on_change', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly'] as const;
export const FIELD_TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'datetime', 'code'] as const;
export const PERSONAL = ['none', 'basic', 'sensitive'] as const;
export const VALUE_FORMATS = ['cccd', 'phone_vn', 'email', 'url'] as const;
export const MASKS = ['last4', 'initials', 'year'] as const;

type Option = { value: string; label: string };

/** Every page of a list route (200 a page): the choices of a form's select. */
async function allPages<T>(load: (offset: number) => Promise<{ items: T[]; total: number }>): Promise<T[]> {
  const all: T[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = await load(offset);
    all.push(...page.items);
    if (all.length >= page.total || page.items.length === 0) return all;
  }
}

export function useDomainOptions(): { options: Option[]; loading: boolean } {
  const { lang } = useI18n();
  const q = useQuery({ queryKey: ['domains'], queryFn: async () => unwrap(await api.GET('/api/v1/domains')) });
  return { loading: q.isPending, options: (q.data ?? []).map((d) => ({ value: d.code, label: lang === 'vi' ? d.name_vi : d.name_en })) };
}

export function useAgencyOptions(enabled: boolean): { options: Option[]; loading: boolean } {
  const { lang } = useI18n();
  const q = useQuery({
    queryKey: ['agencies', 'all'],
    enabled,
    staleTime: 60_000,
    queryFn: () => allPages(async (offset) => unwrap(await api.GET('/api/v1/agencies', { params: { query: { limit: 200, offset } } }))),
  });
  return {
    loading: enabled && q.isPending,
    options: (q.data ?? []).map((a) => ({ value: a.code, label: `${a.code} — ${lang === 'vi' ? a.name_vi : a.name_en}` })),
  };
}

export function useDictionaryOptions(): { options: Option[]; loading: boolean } {
  const { lang } = useI18n();
  const q = useQuery({
    queryKey: ['dictionary', 'all'],
    staleTime: 60_000,
    queryFn: () => allPages(async (offset) => unwrap(await api.GET('/api/v1/dictionary', { params: { query: { limit: 200, offset } } }))),
  });
  return {
    loading: q.isPending,
    options: (q.data ?? [])
      .filter((e) => e.status === 'active')
      .map((e) => ({ value: e.name, label: `${e.name} — ${lang === 'vi' ? e.label_vi : e.label_en}` })),
  };
}

export function useCodeListOptions(): { options: Option[]; loading: boolean } {
  const { lang } = useI18n();
  const q = useQuery({
    queryKey: ['code-lists', 'all'],
    staleTime: 60_000,
    queryFn: () => allPages(async (offset) => unwrap(await api.GET('/api/v1/code-lists', { params: { query: { limit: 200, offset } } }))),
  });
  return { loading: q.isPending, options: (q.data ?? []).map((l) => ({ value: l.code, label: `${l.code} — ${lang === 'vi' ? l.name_vi : l.name_en}` })) };
}

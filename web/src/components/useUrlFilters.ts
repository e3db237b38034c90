import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

/**
 * A list page's filters and page number kept in the URL (linkable, kept on reload): `update` sets
 * or clears filters and, unless it names `page`, goes back to the first page.
 */
export function useUrlFilters() {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const update = useCallback(
    (changes: Record<string, string | undefined>) => {
      const next = new URLSearchParams(params);
      for (const [k, v] of Object.entries(changes)) {
        if (v) next.set(k, v);
        else next.delete(k);
      }
      if (!('page' in changes)) next.delete('page');
      setParams(next, { replace: true });
    },
    [params, setParams],
  );
  return { params, page, update };
}

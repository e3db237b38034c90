import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Badge } from 'antd';
import { api, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/index.tsx';

/** The header's inbox link with the unread count (shares the dashboard's query, refreshed each minute). */
export function InboxBadge() {
  const { t } = useI18n();
  const unread = useQuery({
    queryKey: ['inbox', 'unread-count'],
    queryFn: async () => unwrap(await api.GET('/api/v1/inbox', { params: { query: { unread: true, limit: 1 } } })).total,
    refetchInterval: 60_000,
  });
  const n = unread.data ?? 0;
  return (
    <Link to="/inbox" aria-label={t('inbox.badge', { n })} data-testid="inbox-badge">
      <Badge count={n} size="small" overflowCount={99} color="#a31515">
        <span style={{ padding: '0 6px' }}>✉ {t('nav.inbox')}</span>
      </Badge>
    </Link>
  );
}

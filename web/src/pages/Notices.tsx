import { useQuery } from '@tanstack/react-query';
import { Card, Descriptions, Flex, Tag, Typography } from 'antd';
import { api, unwrap } from '../api/client.ts';
import { useSession } from '../auth/session.tsx';
import { PublicFrame } from '../components/PublicFrame.tsx';
import { EmptyState, LoadError, Loading } from '../components/States.tsx';
import { LinkButton } from '../components/LinkButton.tsx';
import { useI18n } from '../i18n/index.tsx';
import { formatDateTime } from '../time.ts';

/** The public notice board (GET /api/v1/notices): no sign-in, Art. 15–16 notices. */
export function NoticeList() {
  const { t, lang } = useI18n();
  const notices = useQuery({
    queryKey: ['notices'],
    queryFn: async () => unwrap(await api.GET('/api/v1/notices', { params: { query: { limit: 50 } } })).items,
  });
  if (notices.isPending) return <Loading />;
  if (notices.isError) return <LoadError error={notices.error} retry={() => void notices.refetch()} />;
  if (notices.data.length === 0) return <Card><EmptyState text={t('notices.empty')} /></Card>;
  const refs = new Map(notices.data.map((n) => [n.id, n.reference]));
  return (
    <Flex vertical gap={16} component="ol" style={{ listStyle: 'none', padding: 0, margin: 0 }} data-testid="notice-list">
      {notices.data.map((n) => (
        <li key={n.id}>
          <Card
            title={<h2 style={{ fontSize: 16, margin: 0, whiteSpace: 'normal' }}>{lang === 'vi' ? n.title_vi : n.title_en}</h2>}
            extra={<Tag>{n.kind}</Tag>}
          >
            {n.corrects && <Typography.Paragraph type="warning">{t('notices.corrects', { ref: refs.get(n.corrects) ?? n.corrects })}</Typography.Paragraph>}
            <Typography.Paragraph style={{ whiteSpace: 'pre-wrap' }}>{lang === 'vi' ? n.body_vi : n.body_en}</Typography.Paragraph>
            <Descriptions size="small" column={{ xs: 1, sm: 2, md: 4 }}
              items={[
                { key: 'ref', label: t('notices.reference'), children: n.reference },
                { key: 'custodian', label: t('notices.custodian'), children: n.custodian_code },
                ...(n.dataset_code ? [{ key: 'dataset', label: t('notices.dataset'), children: n.dataset_code }] : []),
                { key: 'time', label: t('notices.published', { time: '' }).trim(), children: <time dateTime={n.published_at}>{formatDateTime(n.published_at)}</time> },
              ]}
            />
          </Card>
        </li>
      ))}
    </Flex>
  );
}

export default function Notices() {
  const { t } = useI18n();
  const { session } = useSession();
  return (
    <PublicFrame wide>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>{t('notices.title')}</Typography.Title>
        {!session && <LinkButton to="/signin">{t('notices.signin')}</LinkButton>}
        {session && <LinkButton to="/">{t('nav.dashboard')}</LinkButton>}
      </Flex>
      <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>{t('notices.intro')}</Typography.Paragraph>
      <NoticeList />
    </PublicFrame>
  );
}

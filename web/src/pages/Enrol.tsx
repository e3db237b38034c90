import { useEffect, useState } from 'react';
import { useParams } from 'react-router';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Form, Input, Result, Typography } from 'antd';
import QRCode from 'qrcode';
import { ApiError, api, problemMessage, unwrap } from '../api/client.ts';
import { PublicFrame } from '../components/PublicFrame.tsx';
import { LoadError, Loading } from '../components/States.tsx';
import { LinkButton } from '../components/LinkButton.tsx';
import { useI18n } from '../i18n/index.tsx';
import { formatDateTime } from '../time.ts';

interface EnrolForm {
  password: string;
  password2: string;
  totp: string;
}

/** The otpauth URI as a QR code: a data: URL (the CSP allows img-src data:), never a remote image. */
function QrImage({ uri, alt }: { uri: string; alt: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 200 }).then(
      (url) => live && setSrc(url),
      () => live && setSrc(null),
    );
    return () => {
      live = false;
    };
  }, [uri]);
  return src ? <img src={src} alt={alt} width={200} height={200} data-testid="enrol-qr" /> : null;
}

/** First sign-in of a new official: the link's account, the TOTP key as a QR code, a password. */
export default function Enrol() {
  const { token = '' } = useParams();
  const { t, lang } = useI18n();
  const enrolment = useQuery({
    queryKey: ['enrolment', token],
    queryFn: async () => unwrap(await api.GET('/api/v1/enrolments/{token}', { params: { path: { token } } })),
    retry: false,
  });
  const complete = useMutation({
    mutationFn: async (v: EnrolForm) =>
      unwrap(await api.POST('/api/v1/enrolments/{token}', { params: { path: { token } }, body: { password: v.password, totp: v.totp } })),
  });

  const gone = (e: unknown) => e instanceof ApiError && (e.status === 410 || e.status === 404);
  let content;
  if (enrolment.isPending) content = <Loading />;
  else if (enrolment.isError || gone(complete.error)) {
    const err = enrolment.error ?? complete.error;
    content = gone(err) ? (
      <Result status="warning" title={t('enrol.expired')} extra={<LinkButton to="/signin">{t('enrol.gotoSignin')}</LinkButton>} />
    ) : (
      <LoadError error={err} retry={() => void enrolment.refetch()} />
    );
  } else if (complete.isSuccess) {
    content = (
      <Result
        status="success"
        title={t('enrol.done')}
        extra={
          <LinkButton to="/signin" type="primary">
            {t('enrol.gotoSignin')}
          </LinkButton>
        }
      />
    );
  } else {
    const e = enrolment.data;
    content = (
      <>
        <Typography.Paragraph>{t('enrol.intro')}</Typography.Paragraph>
        <Descriptions
          size="small"
          column={1}
          bordered
          style={{ marginBottom: 16 }}
          items={[
            { key: 'account', label: t('enrol.account'), children: `${e.full_name} (${e.username}) — ${e.agency_code}` },
            { key: 'expires', label: t('enrol.expires', { time: '' }).trim(), children: formatDateTime(e.expires_at) },
          ]}
        />
        <div style={{ textAlign: 'center' }}>
          <QrImage uri={e.otpauth_uri} alt={t('enrol.qr')} />
        </div>
        <Typography.Paragraph>
          {t('enrol.secret')}:{' '}
          <Typography.Text code copyable data-testid="enrol-secret">
            {e.totp_secret}
          </Typography.Text>
        </Typography.Paragraph>
        {complete.error && (
          <Alert type="error" showIcon role="alert" title={problemMessage(complete.error, lang, t('common.error'))} style={{ marginBottom: 16 }} />
        )}
        <Form<EnrolForm> layout="vertical" requiredMark={false} onFinish={(v) => complete.mutate(v)} disabled={complete.isPending} name="enrol">
          <Form.Item name="password" label={t('enrol.password')} rules={[{ required: true, min: 12, message: t('enrol.short') }]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item
            name="password2"
            label={t('enrol.password2')}
            dependencies={['password']}
            rules={[
              { required: true, message: t('enrol.mismatch') },
              ({ getFieldValue }) => ({
                validator: (_, v) => (v === getFieldValue('password') ? Promise.resolve() : Promise.reject(new Error(t('enrol.mismatch')))),
              }),
            ]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item name="totp" label={t('enrol.totp')} rules={[{ required: true, pattern: /^\d{6}$/, message: t('signin.totp.format') }]}>
            <Input inputMode="numeric" autoComplete="one-time-code" maxLength={6} />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={complete.isPending}>
            {t('enrol.submit')}
          </Button>
        </Form>
      </>
    );
  }
  return (
    <PublicFrame>
      <Card>
        <Typography.Title level={1} style={{ fontSize: 22, marginTop: 0 }}>
          {t('enrol.title')}
        </Typography.Title>
        {content}
      </Card>
    </PublicFrame>
  );
}

import { useEffect, useRef, useState } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { Alert, Button, Card, Form, Input } from 'antd';
import type { InputRef } from 'antd';
import { ApiError, problemMessage } from '../api/client.ts';
import { type SignInInput, useSession } from '../auth/session.tsx';
import { PublicFrame } from '../components/PublicFrame.tsx';
import { type Translate, useI18n } from '../i18n/index.tsx';

function waitText(seconds: number, t: Translate): string {
  return seconds >= 60 ? t('wait.minutes', { n: Math.ceil(seconds / 60) }) : t('wait.seconds', { n: seconds });
}

/** Where to go after signing in: a path of this console only (never another origin). */
function nextPath(search: string): string {
  const next = new URLSearchParams(search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/signin') ? next : '/';
}

export default function SignIn() {
  const { t, lang } = useI18n();
  const { session, expired, signIn } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [form] = Form.useForm<SignInInput>();
  const [needTotp, setNeedTotp] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const totpRef = useRef<InputRef>(null);

  useEffect(() => {
    if (needTotp) totpRef.current?.focus();
  }, [needTotp]);

  if (session) return <Navigate to={nextPath(location.search)} replace />;

  async function submit(values: SignInInput) {
    setBusy(true);
    setError(null);
    try {
      await signIn(values);
      navigate(nextPath(location.search), { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.slug === 'mfa-required') setNeedTotp(true);
      if (err instanceof ApiError && err.slug === 'mfa-invalid') form.setFieldValue('totp', '');
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  let message: string | null = null;
  if (error instanceof ApiError && error.slug === 'mfa-required' && !form.getFieldValue('totp')) message = t('signin.mfa');
  else if (error instanceof ApiError && error.status === 423) {
    message = error.retryAfter ? t('signin.locked', { wait: waitText(error.retryAfter, t) }) : problemMessage(error, lang, t('signin.failed'));
  } else if (error) message = problemMessage(error, lang, t('signin.failed'));

  return (
    <PublicFrame>
      <Card>
        <h1 style={{ fontSize: 22, marginTop: 0, fontWeight: 600 }}>{t('signin.title')}</h1>
        {expired && !error && <Alert type="info" showIcon title={t('shell.expired')} style={{ marginBottom: 16 }} />}
        {message && (
          <Alert
            type={error instanceof ApiError && error.slug === 'mfa-required' ? 'warning' : 'error'}
            showIcon
            title={message}
            role="alert"
            data-testid="signin-error"
            style={{ marginBottom: 16 }}
          />
        )}
        <Form form={form} layout="vertical" onFinish={submit} requiredMark={false} disabled={busy} name="signin">
          <Form.Item
            name="username"
            label={t('signin.username')}
            rules={[{ required: true, message: t('signin.required', { field: t('signin.username').toLowerCase() }) }]}
          >
            <Input autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item
            name="password"
            label={t('signin.password')}
            rules={[{ required: true, message: t('signin.required', { field: t('signin.password').toLowerCase() }) }]}
          >
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          {needTotp && (
            <Form.Item
              name="totp"
              label={t('signin.totp')}
              extra={t('signin.totp.help')}
              rules={[
                { required: true, message: t('signin.totp.format') },
                { pattern: /^\d{6}$/, message: t('signin.totp.format') },
              ]}
            >
              <Input ref={totpRef} inputMode="numeric" autoComplete="one-time-code" maxLength={6} />
            </Form.Item>
          )}
          <Button type="primary" htmlType="submit" block loading={busy}>
            {t('signin.submit')}
          </Button>
        </Form>
        <div style={{ marginTop: 16, textAlign: 'center' }}>
          <Link to="/notices">{t('signin.notices')}</Link>
        </div>
      </Card>
    </PublicFrame>
  );
}

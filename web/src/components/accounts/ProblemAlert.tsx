import { Alert, Tag } from 'antd';
import { ApiError, problemMessage } from '../../api/client.ts';
import { useI18n } from '../../i18n/index.tsx';

/** An action's refusal: the API's message in the console's language, the rule id it names (R-…), and each field fault. */
export function ProblemAlert({ error, testId }: { error: unknown; testId?: string }) {
  const { lang } = useI18n();
  const p = error instanceof ApiError ? error.problem : undefined;
  const rule = typeof p?.rule === 'string' ? p.rule : undefined;
  const fieldErrors = Array.isArray(p?.errors) ? p.errors : [];
  const fallback = error instanceof Error ? error.message : String(error);
  return (
    <Alert
      type="error"
      showIcon
      data-testid={testId}
      role="alert"
      title={
        <>
          {rule && (
            <Tag color="red" data-testid="problem-rule">
              {rule}
            </Tag>
          )}
          {problemMessage(error, lang, fallback)}
        </>
      }
      description={
        fieldErrors.length > 0 ? (
          <ul style={{ margin: 0, paddingInlineStart: 18 }}>
            {fieldErrors.map((e, i) => (
              <li key={i}>
                <code>{e.path}</code> {lang === 'vi' ? e.message : e.message_en}
              </li>
            ))}
          </ul>
        ) : undefined
      }
    />
  );
}

import { Flex, Typography } from 'antd';
import { useI18n } from '../../i18n/index.tsx';
import { ParamInput } from './ParamInput.tsx';
import { type Parameter, type ParamValue, filledValues, shownValue } from './params.ts';

type Values = Record<string, ParamValue>;

/**
 * The values a dashboard tile gives its saved query's parameters, one input each; an input left
 * empty takes the query's default (shown as the input's placeholder), so it is not sent.
 */
export function TileParams({
  n,
  parameters,
  values,
  onChange,
}: {
  n: number;
  parameters: Parameter[];
  values: Values | undefined;
  onChange(v: Values | undefined): void;
}) {
  const { t } = useI18n();
  if (parameters.length === 0) return null;
  const shown = (p: Parameter) =>
    p.default === undefined || p.default === null ? t('whd.tile.noDefault') : t('whd.tile.default', { value: shownValue(p, p.default) });
  const set = (name: string, v: ParamValue | undefined) => {
    const next = filledValues({ ...values, [name]: v });
    onChange(Object.keys(next).length ? next : undefined);
  };
  return (
    <Flex vertical gap={8} style={{ marginTop: 12 }} data-testid={`tile-params-${n}`}>
      <Typography.Text type="secondary">{t('whd.tile.params')}</Typography.Text>
      {parameters.map((p) => {
        const id = `tile-${n}-param-${p.name}`;
        const label = t('whd.tile.param', { name: p.label || p.name, n });
        return (
          <Flex key={p.name} wrap gap={8} align="center">
            <label htmlFor={id} style={{ minWidth: 200 }}>
              {label}
            </label>
            <ParamInput id={id} type={p.type} label={label} placeholder={shown(p)} value={values?.[p.name] ?? undefined} onChange={(v) => set(p.name, v)} />
          </Flex>
        );
      })}
    </Flex>
  );
}

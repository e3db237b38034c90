import { DatePicker, Input, InputNumber } from 'antd';
import dayjs from 'dayjs';
import { DATE_FORMAT } from '../../i18n/index.tsx';
import type { ParamType, ParamValue } from './params.ts';

/** How the server takes a date: a calendar day, YYYY-MM-DD. */
const WIRE_DATE = 'YYYY-MM-DD';

interface Props {
  id?: string;
  type: ParamType;
  label: string;
  value: ParamValue | undefined;
  placeholder?: string;
  onChange(value: ParamValue | undefined): void;
}

/**
 * One value of a saved query's parameter, by its type: a number, a day picked as DD/MM/YYYY and
 * sent as YYYY-MM-DD, or text. Cleared, it gives undefined (the parameter's default applies).
 */
export function ParamInput({ id, type, label, value, placeholder, onChange }: Props) {
  if (type === 'number')
    return (
      <InputNumber
        id={id}
        aria-label={label}
        placeholder={placeholder}
        value={typeof value === 'number' ? value : null}
        onChange={(v) => onChange(typeof v === 'number' ? v : undefined)}
        style={{ width: 200 }}
      />
    );
  if (type === 'date') {
    const day = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? dayjs(value) : null;
    return (
      <DatePicker
        id={id}
        aria-label={label}
        placeholder={placeholder}
        format={DATE_FORMAT}
        value={day?.isValid() ? day : null}
        onChange={(d) => onChange(d ? d.format(WIRE_DATE) : undefined)}
        style={{ width: 200 }}
      />
    );
  }
  return (
    <Input
      id={id}
      aria-label={label}
      placeholder={placeholder}
      value={typeof value === 'string' ? value : value === undefined ? '' : String(value)}
      onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
      style={{ width: 200 }}
    />
  );
}

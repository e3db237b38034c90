import { Button, Card, Checkbox, Flex, Form, Input, InputNumber, Select, Typography } from 'antd';
import { useI18n } from '../../i18n/index.tsx';
import { FIELD_TYPES, MASKS, PERSONAL, VALUE_FORMATS, useCodeListOptions, useDictionaryOptions } from './options.ts';
import { useLabel } from './shared.tsx';

const FIELD_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const item = (flex: string) => ({ style: { flex, marginBottom: 12 } });

/** The sharing specification's fields: each one a data-dictionary entry, or defined here with its type, labels and personal category. */
export function FieldsEditor() {
  const { t } = useI18n();
  const dictionary = useDictionaryOptions();
  const codeLists = useCodeListOptions();
  return (
    <Form.List name="fields">
      {(rows, { add, remove }) => (
        <Flex vertical gap={12} data-testid="fields-editor">
          {rows.length === 0 && <Typography.Text type="secondary">{t('dse.fields.none')}</Typography.Text>}
          {rows.map((row, i) => (
            <Card
              key={row.key}
              size="small"
              title={t('dse.field.n', { n: i + 1 })}
              extra={
                <Button size="small" danger onClick={() => remove(row.name)} aria-label={t('dse.field.removeN', { n: i + 1 })}>
                  {t('dse.field.remove')}
                </Button>
              }
            >
              <FieldEditor index={row.name} dictionary={dictionary} codeLists={codeLists} />
            </Card>
          ))}
          <div>
            <Button onClick={() => add({ name: '', required: false })}>{t('dse.field.add')}</Button>
          </div>
        </Flex>
      )}
    </Form.List>
  );
}

type Options = { options: { value: string; label: string }[]; loading: boolean };

function FieldEditor({ index, dictionary, codeLists }: { index: number; dictionary: Options; codeLists: Options }) {
  const { t } = useI18n();
  const label = useLabel();
  const form = Form.useFormInstance();
  const fromDictionary = Form.useWatch(['fields', index, 'dictionary'], form) as string | undefined;
  const type = Form.useWatch(['fields', index, 'type'], form) as string | undefined;
  const required = [{ required: true, message: t('dse.required') }];
  return (
    <>
      <Flex wrap gap={12} align="flex-end">
        <Form.Item
          name={[index, 'name']}
          label={t('ds.f.name')}
          {...item('1 1 180px')}
          rules={[...required, { pattern: FIELD_NAME, message: t('dse.field.namePattern') }]}
        >
          <Input maxLength={63} />
        </Form.Item>
        <Form.Item name={[index, 'dictionary']} label={t('dse.field.dictionary')} extra={t('dse.field.dictionaryHelp')} {...item('2 1 260px')}>
          <Select allowClear showSearch optionFilterProp="label" loading={dictionary.loading} options={dictionary.options} placeholder={t('dse.field.own')} />
        </Form.Item>
        <Form.Item name={[index, 'mask']} label={t('dse.field.mask')} {...item('1 1 160px')}>
          <Select allowClear placeholder={t('dse.field.noMask')} options={MASKS.map((m) => ({ value: m, label: label('dse.mask', m) }))} />
        </Form.Item>
        <Form.Item name={[index, 'required']} valuePropName="checked" {...item('0 0 auto')}>
          <Checkbox>{t('ds.f.required')}</Checkbox>
        </Form.Item>
      </Flex>
      {!fromDictionary && (
        <>
          <Flex wrap gap={12}>
            <Form.Item name={[index, 'type']} label={t('ds.f.type')} rules={required} {...item('1 1 150px')}>
              <Select options={FIELD_TYPES.map((v) => ({ value: v, label: label('ds.type', v) }))} />
            </Form.Item>
            <Form.Item name={[index, 'label_vi']} label={t('dse.field.labelVi')} rules={required} {...item('2 1 200px')}>
              <Input maxLength={200} />
            </Form.Item>
            <Form.Item name={[index, 'label_en']} label={t('dse.field.labelEn')} rules={required} {...item('2 1 200px')}>
              <Input maxLength={200} />
            </Form.Item>
            <Form.Item name={[index, 'personal']} label={t('ds.f.personal')} rules={required} {...item('1 1 150px')}>
              <Select options={PERSONAL.map((v) => ({ value: v, label: label('ds.personalKind', v) }))} />
            </Form.Item>
          </Flex>
          <Flex wrap gap={12}>
            <Form.Item name={[index, 'format']} label={t('ds.f.format')} {...item('1 1 150px')}>
              <Select allowClear placeholder={t('dse.none')} options={VALUE_FORMATS.map((v) => ({ value: v, label: label('dse.format', v) }))} />
            </Form.Item>
            <Form.Item name={[index, 'max_length']} label={t('dse.field.maxLength')} {...item('1 1 120px')}>
              <InputNumber min={1} max={1_000_000} style={{ width: '100%' }} />
            </Form.Item>
            {type === 'code' && (
              <>
                <Form.Item name={[index, 'code_list']} label={t('ds.f.codeList')} rules={required} {...item('2 1 220px')}>
                  <Select showSearch optionFilterProp="label" loading={codeLists.loading} options={codeLists.options} />
                </Form.Item>
                <Form.Item name={[index, 'code_list_level']} label={t('dse.field.level')} {...item('1 1 140px')}>
                  <Input maxLength={40} />
                </Form.Item>
                <Form.Item name={[index, 'parent_field']} label={t('dse.field.parent')} {...item('1 1 160px')}>
                  <Input maxLength={63} />
                </Form.Item>
              </>
            )}
          </Flex>
        </>
      )}
    </>
  );
}

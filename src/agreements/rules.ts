import { Problem, PROBLEMS, type FieldViolation } from '../core/errors.ts';
import type { Dataset } from '../catalog/index.ts';
import type { InformationSystem } from '../registry/index.ts';

export interface Refusal {
  rule: string;
  reason: string;
  reason_en: string;
}

export const isSecret = (d: Pick<Dataset, 'classification'>) => d.classification === 'secret' || d.classification === 'top_secret';

/**
 * Whether a consumer system may take part in sharing this dataset at all —
 * checked when a request is made and again at each approval.
 */
export function systemRefusals(dataset: Dataset, system: InformationSystem): Refusal[] {
  const out: Refusal[] = [];
  if (system.sharing_refusal) out.push(system.sharing_refusal); // level ≥ 3, active
  if (isSecret(dataset)) {
    if (system.zone !== 'tslcd') {
      out.push({
        rule: 'R-12.2',
        reason: 'Dữ liệu mật, tối mật chỉ được chia sẻ trên mạng truyền số liệu chuyên dùng: hệ thống phải ở vùng "tslcd".',
        reason_en: 'Secret and top-secret data travel only on the dedicated data network: the system must be in zone "tslcd".',
      });
    }
    if (!system.encryption_key) {
      out.push({
        rule: 'R-11',
        reason: 'Hệ thống chưa đăng ký khoá công khai để mã hoá dữ liệu mật (JWE).',
        reason_en: 'The system has not registered a public encryption key for secret data (JWE).',
      });
    }
  }
  return out;
}

export function refuse(refusals: Refusal[]): Problem {
  const first = refusals[0]!;
  return new Problem(PROBLEMS.unprocessable, {
    rule: first.rule,
    detail: refusals.map((r) => `${r.rule}: ${r.reason}`).join(' '),
    detail_en: refusals.map((r) => `${r.rule}: ${r.reason_en}`).join(' '),
    extra: { refusals },
  });
}

/** only fields the dataset shares can be asked for; the custodian grants a subset of what was asked. */
export function checkSubset(asked: string[], allowed: string[], path: string, what: string, whatEn: string): void {
  const set = new Set(allowed);
  const errors: FieldViolation[] = [];
  asked.forEach((f, i) => {
    if (!set.has(f)) errors.push({ path: `${path}/${i}`, message: `Trường "${f}" không thuộc ${what}.`, message_en: `Field "${f}" is not among ${whatEn}.` });
  });
  if (new Set(asked).size !== asked.length) errors.push({ path, message: 'Các trường không được trùng nhau.', message_en: 'Fields must not repeat.' });
  if (errors.length) throw new Problem(PROBLEMS.validation, { rule: 'R-8.2', errors });
}

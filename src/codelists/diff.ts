import { canonicalJson } from '../core/canonical.ts';
import type { CodeItem, CodeListDiff } from './types.ts';

/** Added, retired, renamed, re-parented and re-attributed codes between two item sets. */
export function diffItems(base: CodeItem[], next: CodeItem[], baseVersion: number | null): CodeListDiff {
  const before = new Map(base.map((i) => [i.code, i]));
  const after = new Map(next.map((i) => [i.code, i]));
  const diff: CodeListDiff = { base_version: baseVersion, added: [], retired: [], renamed: [], reparented: [], attributes_changed: [], unchanged: 0 };
  for (const item of next) {
    const old = before.get(item.code);
    if (!old) {
      diff.added.push(item);
      continue;
    }
    let changed = false;
    if (old.name_vi !== item.name_vi || (old.name_en ?? null) !== (item.name_en ?? null)) {
      diff.renamed.push({ code: item.code, from: { name_vi: old.name_vi, name_en: old.name_en }, to: { name_vi: item.name_vi, name_en: item.name_en } });
      changed = true;
    }
    if ((old.parent_code ?? null) !== (item.parent_code ?? null)) {
      diff.reparented.push({ code: item.code, from: { parent_code: old.parent_code }, to: { parent_code: item.parent_code } });
      changed = true;
    }
    if (canonicalJson(old.attributes ?? {}) !== canonicalJson(item.attributes ?? {})) {
      diff.attributes_changed.push({ code: item.code, from: { attributes: old.attributes }, to: { attributes: item.attributes } });
      changed = true;
    }
    if (!changed) diff.unchanged++;
  }
  for (const item of base) if (!after.has(item.code)) diff.retired.push(item);
  return diff;
}

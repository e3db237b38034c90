export type AttributeValue = string | number | boolean | null;

export interface CodeItem {
  code: string;
  name_vi: string;
  name_en: string | null;
  parent_code: string | null;
  attributes: Record<string, AttributeValue>;
}

export interface CodeListVersion {
  version_no: number;
  effective_from: string;
  effective_to: string | null;
  legal_basis: string | null;
  note: string | null;
  item_count: number;
  checksum: string;
  published_by: string;
  published_at: Date;
}

export interface CodeList {
  code: string;
  name_vi: string;
  name_en: string;
  issuer: string;
  legal_basis: string;
  source_note: string | null;
  status: 'active' | 'retired';
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface CodeListInput {
  code: string;
  name_vi: string;
  name_en: string;
  issuer: string;
  legal_basis: string;
  source_note?: string | null | undefined;
}

export type CodeListPatch = Partial<Pick<CodeListInput, 'name_vi' | 'name_en' | 'issuer' | 'legal_basis' | 'source_note'>>;

export interface PublishInput {
  effective_from: string;
  effective_to?: string | null | undefined;
  legal_basis?: string | null | undefined;
  note?: string | null | undefined;
}

interface ItemChange {
  code: string;
  from: Partial<CodeItem>;
  to: Partial<CodeItem>;
}

/** What a new version changes against the one it would replace. */
export interface CodeListDiff {
  base_version: number | null;
  added: CodeItem[];
  retired: CodeItem[];
  renamed: ItemChange[];
  reparented: ItemChange[];
  attributes_changed: ItemChange[];
  unchanged: number;
}

export type ImportFormat = 'csv' | 'json' | 'xlsx';

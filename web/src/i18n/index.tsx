import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import dayjs from 'dayjs';
import 'dayjs/locale/vi';
import 'dayjs/locale/en';
import en_US from 'antd/locale/en_US';
import vi_VN from 'antd/locale/vi_VN';
import type { Locale } from 'antd/es/locale';
import { en } from './en.ts';
import { type Catalog, type MessageKey, vi } from './vi.ts';

export type Lang = 'vi' | 'en';
export type { MessageKey };
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** localStorage holds the language only — never a token or anything about the session. */
const LANG_STORAGE_KEY = 'lienthong.lang';
/** Dates are written day first everywhere, in both languages. */
export const DATE_FORMAT = 'DD/MM/YYYY';
export const DATE_TIME_FORMAT = 'DD/MM/YYYY HH:mm';

const CATALOGS: Record<Lang, Catalog> = { vi, en };

/** antd's locale with the pickers' formats set to DD/MM/YYYY (vi_VN and en_US differ otherwise). */
function withDayFirst(locale: Locale): Locale {
  const picker = locale.DatePicker;
  if (!picker) return locale;
  return {
    ...locale,
    DatePicker: {
      ...picker,
      lang: { ...picker.lang, fieldDateFormat: DATE_FORMAT, fieldDateTimeFormat: DATE_TIME_FORMAT },
    },
  };
}
export const ANTD_LOCALES: Record<Lang, Locale> = { vi: withDayFirst(vi_VN), en: withDayFirst(en_US) };

function storedLang(): Lang {
  try {
    return window.localStorage.getItem(LANG_STORAGE_KEY) === 'en' ? 'en' : 'vi';
  } catch {
    return 'vi';
  }
}

/** `{name}` placeholders filled from params. */
function format(catalog: Catalog, key: MessageKey, params?: Record<string, string | number>): string {
  const text = catalog[key];
  return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text;
}

interface I18n {
  lang: Lang;
  t: Translate;
  setLang(lang: Lang): void;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(storedLang);
  useEffect(() => {
    document.documentElement.lang = lang;
    dayjs.locale(lang);
  }, [lang]);
  const setLang = useCallback((next: Lang) => {
    try {
      window.localStorage.setItem(LANG_STORAGE_KEY, next);
    } catch {
      // private mode: the choice lasts for this page only
    }
    setLangState(next);
  }, []);
  const value = useMemo<I18n>(() => ({ lang, setLang, t: (key, params) => format(CATALOGS[lang], key, params) }), [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}

import type { ReactNode } from 'react';
import { ConfigProvider, Tag } from 'antd';

/** Tag colours darkened from antd's presets, so their text meets WCAG AA contrast (4.5:1). */
const TONES = {
  good: { color: '#135200', background: '#f6ffed', borderColor: '#95de64' },
  warn: { color: '#873800', background: '#fff7e6', borderColor: '#ffc069' },
  off: { color: 'rgba(0, 0, 0, 0.75)', background: '#fafafa', borderColor: '#d9d9d9' },
} as const;

export function StatusTag({ tone, children }: { tone: keyof typeof TONES; children: ReactNode }) {
  return <Tag style={TONES[tone]}>{children}</Tag>;
}

/** The error (danger) colour darkened for these pages' danger buttons and texts (WCAG AA). */
export function AccessibleColours({ children }: { children: ReactNode }) {
  return <ConfigProvider theme={{ token: { colorError: '#b3261e', colorErrorHover: '#8c1d18', colorErrorActive: '#8c1d18' } }}>{children}</ConfigProvider>;
}

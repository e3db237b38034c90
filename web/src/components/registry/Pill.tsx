import type { ReactNode } from 'react';
import { Tag } from 'antd';

/** Tag colours with dark text on light backgrounds: every pair meets WCAG AA contrast (≥ 4.5:1). */
const TONES: Record<string, { background: string; color: string; borderColor: string }> = {
  default: { background: '#f5f5f5', color: '#3a3a3a', borderColor: '#bfbfbf' },
  green: { background: '#f0f9e8', color: '#1d4d07', borderColor: '#95de64' },
  red: { background: '#fff1f0', color: '#8a1010', borderColor: '#ffa39e' },
  gold: { background: '#fffbe6', color: '#614700', borderColor: '#ffd666' },
  orange: { background: '#fff7e6', color: '#7a3b00', borderColor: '#ffc069' },
  blue: { background: '#e6f4ff', color: '#003a8c', borderColor: '#91caff' },
  cyan: { background: '#e6fffb', color: '#00474f', borderColor: '#87e8de' },
  purple: { background: '#f9f0ff', color: '#391085', borderColor: '#d3adf7' },
  geekblue: { background: '#f0f5ff', color: '#10239e', borderColor: '#adc6ff' },
};

export function Pill({ tone = 'default', children }: { tone?: string; children: ReactNode }) {
  return <Tag style={TONES[tone] ?? TONES.default}>{children}</Tag>;
}

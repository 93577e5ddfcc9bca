// The SafeHtml helpers other plugins use (dashboard.html`…`, escape) and the formats the templates share.
// Plain functions: the plugin's setup uses them before the web server (nunjucks) is loaded.
import type { SafeHtml } from '../service.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(text: unknown): string {
  return String(text ?? '').replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

export function isSafeHtml(v: unknown): v is SafeHtml {
  return typeof v === 'object' && v !== null && typeof (v as { __safeHtml?: unknown }).__safeHtml === 'string';
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += interpolate(v) + (strings[i + 1] ?? '');
  });
  return { __safeHtml: out };
}

function interpolate(v: unknown): string {
  if (isSafeHtml(v)) return v.__safeHtml;
  if (Array.isArray(v)) return v.map(interpolate).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(v);
}

export function formatTime(ms: unknown): string {
  const n = Number(ms);
  if (!Number.isFinite(n) || n <= 0) return '—';
  return `${new Date(n).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

export function formatDuration(seconds: unknown): string {
  let s = Math.max(0, Math.floor(Number(seconds) || 0));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  if (m) return `${m} min ${s} s`;
  return `${s} s`;
}

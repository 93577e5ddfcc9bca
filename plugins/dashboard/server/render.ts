// HTML output: the nunjucks environment (autoescape on: chat text and every other value is escaped),
// its filters, the SafeHtml helpers other plugins use, and rendering of extension content.
import path from 'node:path';
import nunjucks from 'nunjucks';
import type { DashboardContent, SafeHtml } from '../service.ts';

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

function addFilters(env: nunjucks.Environment): nunjucks.Environment {
  env.addFilter('datetime', formatTime);
  env.addFilter('isotime', (ms: unknown) => {
    const n = Number(ms);
    return Number.isFinite(n) && n > 0 ? new Date(n).toISOString() : '';
  });
  env.addFilter('duration', formatDuration);
  env.addFilter('num', (n: unknown) => (typeof n === 'number' ? n.toLocaleString('en-US') : String(n ?? '')));
  env.addFilter('json', (v: unknown) => JSON.stringify(v, null, 2));
  return env;
}

/** The dashboard's own templates (used through koa-views). */
export function createEnvironment(templatesDir: string): nunjucks.Environment {
  return addFilters(new nunjucks.Environment(new nunjucks.FileSystemLoader(templatesDir, { noCache: true }), { autoescape: true, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true }));
}

/** Renders what a page or panel of another plugin returned, to HTML that is safe to insert. */
export class ContentRenderer {
  private readonly envs = new Map<string, nunjucks.Environment>();

  constructor(private readonly templatesDir: string) {}

  async render(content: DashboardContent, locals: Record<string, unknown>): Promise<string> {
    if (typeof content === 'string') return `<p>${escapeHtml(content)}</p>`;
    if (isSafeHtml(content)) return content.__safeHtml;
    if (content && typeof content === 'object' && typeof content.template === 'string') {
      if (!path.isAbsolute(content.template)) throw new Error('a template given to the dashboard must be an absolute path (path.join(ctx.dir, "templates", "x.njk"))');
      const dir = path.dirname(content.template);
      let env = this.envs.get(dir);
      if (!env) {
        // The plugin's folder first, then the dashboard's (for layout.njk and macros.njk).
        env = addFilters(new nunjucks.Environment([new nunjucks.FileSystemLoader(dir, { noCache: true }), new nunjucks.FileSystemLoader(this.templatesDir, { noCache: true })], { autoescape: true }));
        this.envs.set(dir, env);
      }
      const e = env;
      return new Promise<string>((resolve, reject) =>
        e.render(path.basename(content.template), { ...locals, ...content.data }, (err, res) => (err ? reject(err) : resolve(res ?? ''))),
      );
    }
    throw new Error('a dashboard page or panel must return dashboard.html`...`, { template, data } or a string');
  }
}

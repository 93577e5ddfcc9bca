// HTML output: the nunjucks environment (autoescape on: chat text and every other value is escaped), its
// filters, and rendering of extension content. Loaded with the web server, after the bot's ready line.
import path from 'node:path';
import nunjucks from 'nunjucks';
import type { DashboardContent } from '../service.ts';
import { escapeHtml, formatDuration, formatTime, isSafeHtml } from './html.ts';

export { escapeHtml, formatDuration, formatTime, html, isSafeHtml } from './html.ts';


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

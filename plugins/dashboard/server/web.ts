// The dashboard's web server: Koa and its middleware, the nunjucks templates and the ajv body checks. They
// take about a third of a second to load, so the plugin imports this part after the bot's ready line
// (ctx.afterStart), or sooner when something needs it; its listener holds requests until the app is attached.
import { createApp, type AppOptions } from './app.ts';
import type { Deps } from './context.ts';
import type { Handler } from './listener.ts';
import { ContentRenderer, createEnvironment } from './render.ts';
import { BodyValidator } from './validation.ts';

/** What the plugin's setup builds before the web server is loaded. */
export type BaseDeps = Omit<Deps, 'content' | 'validator'>;

export interface Web {
  readonly deps: Deps;
  /** A Koa app over `deps`, as a request handler for the listener. */
  handler(options: Omit<AppOptions, 'env' | 'templatesDir'>): Handler;
}

export function createWeb(base: BaseDeps, templatesDir: string): Web {
  const deps: Deps = { ...base, content: new ContentRenderer(templatesDir), validator: new BodyValidator() };
  return { deps, handler: (o) => createApp(deps, { ...o, templatesDir, env: createEnvironment(templatesDir) }).callback() };
}

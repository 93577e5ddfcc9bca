// The webhook transport's HTTP side: a Koa app on EVENTSUB_PORT with twurple's EventSubMiddleware mounted
// through a small express-like router adapter (twurple reads the raw body itself, so no body parser runs
// before it: `ctx.respond = false` and it gets Node's req/res). Refusals are logged once each, with why:
// twurple answers a bad or missing signature with 410 and drops a message older than 10 minutes silently.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { PluginContext } from '../../core/types.ts';
import type { CapturingMiddleware } from './listeners.ts';
import type { EventSubConfig } from './settings.ts';

type Handler = (req: http.IncomingMessage & { params: Record<string, string> }, res: http.ServerResponse, next: (err?: unknown) => void) => unknown;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly handler: Handler;
}

/** The part of an express router twurple's `apply()` uses: `get` and `post` with `:param` paths. */
class RouterAdapter {
  readonly routes: Route[] = [];
  private add(method: string, path: string, handler: Handler): void {
    const names: string[] = [];
    const source = `/${path.replace(/^\//, '')}`.replace(/:(\w+)/g, (_all, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}/?$`), names, handler });
  }
  get(path: string, handler: Handler): void {
    this.add('GET', path, handler);
  }
  post(path: string, handler: Handler): void {
    this.add('POST', path, handler);
  }
}

export interface WebhookServer {
  readonly port: number;
  close(): Promise<void>;
}

const STALE_MS = 10 * 60 * 1000;

export async function startWebhookServer(ctx: PluginContext<EventSubConfig>, middleware: CapturingMiddleware, port: number, known: (subscriptionId: string) => boolean): Promise<WebhookServer> {
  const router = new RouterAdapter();
  // twurple types the router as express's IRouter but calls only get and post.
  middleware.apply(router as unknown as Parameters<CapturingMiddleware['apply']>[0]);
  const app = new Koa();
  app.use(async (k, next) => {
    const path = k.path;
    for (const route of router.routes) {
      const m = route.method === k.method ? route.pattern.exec(path) : null;
      if (!m) continue;
      const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')]));
      const req = Object.assign(k.req, { params });
      k.respond = false;
      watch(k.req, k.res, params.id);
      await new Promise<void>((resolve) => {
        k.res.once('finish', () => resolve());
        k.res.once('close', () => resolve());
        Promise.resolve(route.handler(req, k.res, (err) => {
          if (err) ctx.log.error(`a webhook request failed: ${(err as Error).message}`);
          if (!k.res.headersSent) k.res.writeHead(err ? 500 : 404).end();
          resolve();
        })).catch((err: unknown) => {
          ctx.log.error(`a webhook request failed: ${(err as Error).message}`);
          if (!k.res.headersSent) k.res.writeHead(500).end();
          resolve();
        });
      });
      return;
    }
    await next();
  });

  /** One log line per refused or dropped message, saying why. */
  function watch(req: http.IncomingMessage, res: http.ServerResponse, id: string | undefined): void {
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const type = header('twitch-eventsub-message-type') ?? 'unknown';
    const messageId = header('twitch-eventsub-message-id') ?? '?';
    res.once('finish', () => {
      if (res.statusCode === 410) {
        const why = !id || !known(id) ? 'it names no subscription of this bot' : !header('twitch-eventsub-message-signature') ? 'it is not signed' : 'its signature does not match EVENTSUB_SECRET';
        ctx.log.warn(`refused a webhook ${type} (message ${messageId}): ${why}`);
        return;
      }
      const at = Date.parse(header('twitch-eventsub-message-timestamp') ?? '');
      if (type === 'notification' && res.statusCode < 300 && (Number.isNaN(at) || at < Date.now() - STALE_MS)) {
        ctx.log.warn(`dropped a webhook notification (message ${messageId}): its timestamp is older than 10 minutes`);
      }
    });
  }

  const server = http.createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

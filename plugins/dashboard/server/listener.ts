// The HTTP server, kept across hot reloads of the dashboard (see carry.ts). Koa composes its middleware
// once, so each generation of the plugin builds a Koa app and attaches its request handler to this one
// listener. Between two generations incoming requests wait (up to `holdMs`) instead of failing, and the port
// (even a random one, `port: 0`) stays the same, so open pages and API clients keep working through a reload.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface Listener {
  readonly url: string;
  readonly host: string;
  /** The port asked for (0 = random) and the one bound. */
  readonly configuredPort: number;
  readonly port: number;
  attach(handler: Handler): void;
  detach(): void;
  /** Stops listening; requests in progress get `graceMs` to finish before their connections are cut. */
  close(graceMs?: number): Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function listenOnce(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function listen(host: string, port: number, holdMs = 10_000): Promise<Listener> {
  let handler: Handler | undefined;
  const waiting = new Set<() => void>();
  const server = http.createServer((req, res) => {
    if (handler) return handler(req, res);
    const run = () => {
      clearTimeout(timer);
      waiting.delete(run);
      handler?.(req, res);
    };
    const timer = setTimeout(() => {
      waiting.delete(run);
      res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' });
      res.end(JSON.stringify({ error: 'the dashboard is restarting; try again in a moment' }));
    }, holdMs);
    waiting.add(run);
  });
  server.keepAliveTimeout = 5_000;
  // A listener of the previous generation that moved may still be releasing the port: retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      await listenOnce(server, host, port);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 10) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const bound = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${bound}`,
    host,
    configuredPort: port,
    port: bound,
    attach(h) {
      handler = h;
      for (const run of [...waiting]) run();
    },
    detach() {
      handler = undefined;
    },
    close(graceMs = 0) {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        if (graceMs > 0) setTimeout(() => server.closeAllConnections(), graceMs).unref();
        else server.closeAllConnections();
      });
      return closing;
    },
  };
}

// The HTTP server, handed from one generation of the dashboard to the next (see carry.ts). Koa composes its
// middleware once, so each generation builds a Koa app and attaches its request handler to this listener.
// Between two generations incoming requests wait (up to `holdMs`) instead of failing, and the port (even a
// random one, `port: 0`) stays the same, so open pages and API clients keep working through a reload.
//
// A detached listener that no generation attaches within `holdMs` closes itself (waiting requests get a
// 503): whatever happens to the hand-over (the next setup fails and nothing is put back), the port is
// never held by a server that answers nobody.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface Listener {
  readonly url: string;
  readonly host: string;
  /** The port asked for (0 = random) and the one bound. */
  readonly configuredPort: number;
  readonly port: number;
  /** True once it stopped listening (closed, or left detached for too long). */
  readonly closed: boolean;
  /** Serves requests with `handler` (requests that waited for one go to it now). */
  attach(handler: Handler): void;
  /** Requests wait for the next handler; without one within `holdMs` they get a 503 and the listener closes. */
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
    const failed = (err: Error) => {
      server.off('listening', listening);
      reject(err);
    };
    const listening = () => {
      server.off('error', failed);
      resolve();
    };
    server.once('error', failed);
    server.once('listening', listening);
    server.listen(port, host);
  });
}

/** A 503 `{ error, code: 'UNAVAILABLE' }` (unless an answer was already sent). */
export function unavailable(res: http.ServerResponse, message: string): void {
  if (res.headersSent || res.writableEnded) return;
  res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' });
  res.end(JSON.stringify({ error: message, code: 'UNAVAILABLE' }));
}

/** Listens on host:port, detached: requests wait for `attach`. */
export async function listen(host: string, port: number, holdMs = 10_000): Promise<Listener> {
  let handler: Handler | undefined;
  /** Requests that arrived while no handler was attached: `run` hands one over, `refuse` answers 503. */
  const waiting = new Set<{ run: () => void; refuse: (message: string) => void }>();
  const server = http.createServer((req, res) => {
    if (handler) return handler(req, res);
    // A request on a kept-alive connection after close(): held, its timer would outlive the listener.
    if (closing) return unavailable(res, 'the dashboard stopped');
    const entry = {
      run: () => {
        clearTimeout(timer);
        waiting.delete(entry);
        handler?.(req, res);
      },
      refuse: (message: string) => {
        clearTimeout(timer);
        waiting.delete(entry);
        unavailable(res, message);
      },
    };
    const timer = setTimeout(() => entry.refuse('the dashboard is restarting; try again in a moment'), holdMs);
    waiting.add(entry);
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
  let orphaned: NodeJS.Timeout | undefined;

  const close = (graceMs = 0): Promise<void> => {
    clearTimeout(orphaned);
    handler = undefined;
    closing ??= new Promise<void>((resolve) => {
      for (const w of [...waiting]) w.refuse('the dashboard stopped');
      server.close(() => resolve());
      server.closeIdleConnections();
      if (graceMs > 0) setTimeout(() => server.closeAllConnections(), graceMs).unref();
      else server.closeAllConnections();
    });
    return closing;
  };

  return {
    url: `http://${urlHost(host)}:${bound}`,
    host,
    configuredPort: port,
    port: bound,
    get closed() {
      return closing !== undefined;
    },
    attach(h) {
      if (closing) throw new Error('the dashboard listener is closed');
      clearTimeout(orphaned);
      orphaned = undefined;
      handler = h;
      for (const w of [...waiting]) w.run();
    },
    detach() {
      if (closing) return;
      handler = undefined;
      clearTimeout(orphaned);
      orphaned = setTimeout(() => void close(1000), holdMs);
      orphaned.unref();
    },
    close,
  };
}

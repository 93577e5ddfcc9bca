// The viewer-facing web server on WEB_HOST/WEB_PORT: overlay pages for OBS, their event streams, their
// assets, and (when switched on) the public leaderboard. Nothing else: no admin route, no write, GET/HEAD
// only. Every overlay URL carries its key; the Host header is checked like the dashboard's (a page on
// evil.example whose name now points at 127.0.0.1 cannot read an overlay).
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { PluginContext } from '../../core/types.ts';
// The dashboard's own Host rules (pure functions, bundled into this plugin): the same names pass on both servers.
import { allowedHostNames, hostNameOf } from '../dashboard/server/guards.ts';
import { overlayPage } from './page.ts';
import type { OverlayRegistry, Viewer } from './registry.ts';

export interface ServerSettings {
  readonly host: string;
  readonly port: number;
  readonly allowedHosts: readonly string[];
  readonly publicLeaderboard: boolean;
  readonly customCss: string;
  readonly listSize: number;
}

const HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  // The key is in the URL: never send it along as a referrer.
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const ASSETS: Readonly<Record<string, string>> = { 'overlay.js': 'text/javascript; charset=utf-8', 'overlay.css': 'text/css; charset=utf-8' };

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, head = false): void {
  res.writeHead(status, { ...HEADERS, 'Content-Type': type });
  res.end(head ? undefined : body);
}

function refuse(res: http.ServerResponse, status: number, message: string): void {
  send(res, status, 'text/plain; charset=utf-8', message);
}

export interface OverlayServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startServer(ctx: PluginContext<object>, settings: ServerSettings, registry: OverlayRegistry): Promise<OverlayServer> {
  const allowed = allowedHostNames(settings.host, settings.allowedHosts);
  const web = path.join(ctx.dir, 'web');
  const customCss = path.resolve(path.dirname(ctx.host.configFile), settings.customCss);

  function stream(req: http.IncomingMessage, res: http.ServerResponse, overlay: string, key: string): void {
    const o = registry.get(overlay);
    req.socket.setTimeout(0);
    req.socket.setNoDelay(true);
    res.writeHead(200, { ...HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' });
    res.write('retry: 2000\n\n');
    const viewer: Viewer = {
      overlay,
      key,
      send: (event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
      close: () => res.end(),
    };
    // `now`: the bot's clock, so a countdown (`endsAt`) is right even when this computer's clock is not.
    viewer.send('state', { layout: o.layout, title: o.title, state: o.state ?? null, listSize: settings.listSize, now: ctx.clock.now() });
    registry.viewers.add(viewer);
    const drop = () => registry.viewers.delete(viewer);
    res.on('close', drop);
    res.on('error', drop);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const name = hostNameOf(req.headers.host ?? '');
    if (!name || !allowed.has(name)) {
      return refuse(res, 403, `This overlay server does not answer to the host name "${req.headers.host ?? '(none)'}". If OBS reaches it under that name, add it to plugins.overlays.allowedHosts.`);
    }
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('Allow', 'GET, HEAD');
      // Drain what was sent (a client writing a body while the answer comes may otherwise see a reset).
      req.resume();
      await new Promise((resolve) => req.once('end', resolve).once('error', resolve));
      return refuse(res, 405, 'The overlay server only shows pages; it changes nothing.');
    }
    const url = new URL(req.url ?? '/', 'http://overlay');
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] === 'assets' && parts.length === 2) {
      const file = parts[1] ?? '';
      if (file === 'custom.css') {
        const css = await readFile(customCss).catch(() => Buffer.from('/* no custom overlay style: create ' + settings.customCss.replace(/\*\//g, '') + ' next to the config file */\n'));
        return send(res, 200, 'text/css; charset=utf-8', css, head);
      }
      const type = ASSETS[file];
      if (type) return send(res, 200, type, await readFile(path.join(web, file)), head);
    }
    if (parts[0] === 'overlay' && parts[1] && parts.length <= 3 && (parts.length === 2 || parts[2] === 'events')) {
      const overlay = parts[1];
      const key = url.searchParams.get('key') ?? undefined;
      if (!registry.overlays.has(overlay)) return refuse(res, 404, 'There is no such overlay.');
      if (!registry.keyMatches(overlay, key)) return refuse(res, 403, 'Wrong or old overlay key: copy the URL again from the dashboard (Overlays page).');
      const events = `/overlay/${overlay}/events?key=${encodeURIComponent(key ?? '')}`;
      if (parts[2] === 'events') return head ? send(res, 200, 'text/event-stream', '', true) : stream(req, res, overlay, key ?? '');
      const o = registry.get(overlay);
      return send(res, 200, 'text/html; charset=utf-8', overlayPage(o.title, o.name, o.layout, events), head);
    }
    if (settings.publicLeaderboard && parts[0] === 'public' && parts[1] === 'leaderboard' && parts.length <= 3 && (parts.length === 2 || parts[2] === 'events')) {
      if (parts[2] === 'events') return head ? send(res, 200, 'text/event-stream', '', true) : stream(req, res, 'leaderboard', '');
      return send(res, 200, 'text/html; charset=utf-8', overlayPage('Leaderboard', 'leaderboard', 'leaderboard', '/public/leaderboard/events', true), head);
    }
    refuse(res, 404, 'Not found. This server only shows the overlay pages listed on the dashboard.');
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      ctx.log.error(`overlay request ${req.method ?? ''} ${req.url ?? ''} failed: ${err.message}`);
      if (!res.headersSent) refuse(res, 500, 'The overlay server failed; the bot log says why.');
      else res.end();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = settings.host === '0.0.0.0' || settings.host === '::' || !settings.host ? '127.0.0.1' : settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return {
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const v of [...registry.viewers]) v.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

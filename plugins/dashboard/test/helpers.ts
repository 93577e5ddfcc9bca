// Test helpers for the dashboard: a cookie-keeping HTTP client (node:http, so tests can send any Host
// header), logging in, and a fake of Twitch's OAuth endpoints (device code, token, validate).
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { eventually } from '../../../test/support/kit.ts';

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface RequestOptions {
  readonly form?: Record<string, string | string[]>;
  readonly json?: unknown;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

/** A minimal browser: keeps cookies, reads the CSRF token from pages, never follows redirects. */
export class Client {
  readonly cookies = new Map<string, string>();
  csrf = '';

  constructor(readonly base: string) {}

  /** `path` is sent as written (no URL normalization), so tests can send `%2e%2e` and the like. */
  request(method: string, path: string, o: RequestOptions = {}): Promise<Reply> {
    const base = new URL(this.base);
    const headers: Record<string, string> = { ...o.headers };
    let body: string | undefined = o.body;
    if (o.form) {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(o.form)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
      body = p.toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else if (o.json !== undefined) {
      body = JSON.stringify(o.json);
      headers['content-type'] ??= 'application/json';
    }
    if (this.cookies.size && !('cookie' in headers)) headers.cookie = this.cookieHeader();
    return new Promise((resolve, reject) => {
      const req = http.request({ hostname: base.hostname, port: base.port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          for (const c of res.headers['set-cookie'] ?? []) {
            const [pair] = c.split(';');
            const i = pair?.indexOf('=') ?? -1;
            if (!pair || i < 0) continue;
            const name = pair.slice(0, i);
            const value = pair.slice(i + 1);
            if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
            else this.cookies.set(name, value);
          }
          const text = Buffer.concat(chunks).toString('utf8');
          const token = /<meta name="csrf-token" content="([^"]*)"/.exec(text)?.[1];
          if (token) this.csrf = token;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
        });
      });
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.request('GET', path, { headers });
  }

  /** A form post with this session's CSRF token. */
  post(path: string, form: Record<string, string | string[]> = {}, headers: Record<string, string> = {}): Promise<Reply> {
    return this.request('POST', path, { form: { _csrf: this.csrf, ...form }, headers });
  }

  async login(password: string): Promise<Reply> {
    await this.get('/login');
    const r = await this.post('/login', { password, next: '/' });
    if (r.status === 303 && r.headers.location === '/') await this.get('/');
    return r;
  }
}

/** A bearer-token client for the JSON API. */
export function api(base: string, token?: string) {
  const c = new Client(base);
  const auth = (): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});
  return {
    get: (path: string, headers: Record<string, string> = {}) => c.request('GET', path, { headers: { ...auth(), ...headers } }),
    post: (path: string, json?: unknown, headers: Record<string, string> = {}) => c.request('POST', path, { json, headers: { ...auth(), ...headers } }),
    put: (path: string, json?: unknown, headers: Record<string, string> = {}) => c.request('PUT', path, { json, headers: { ...auth(), ...headers } }),
    del: (path: string, headers: Record<string, string> = {}) => c.request('DELETE', path, { headers: { ...auth(), ...headers } }),
    raw: (method: string, path: string, o: RequestOptions = {}) => c.request(method, path, { ...o, headers: { ...auth(), ...o.headers } }),
  };
}

export interface EventStream {
  /** Events received so far (the data parsed as JSON). */
  readonly events: readonly { readonly event: string; readonly data: unknown }[];
  /** The server ended the stream (or the connection dropped). */
  readonly ended: boolean;
  /** Resolves with the first event (received or to come) named `event` whose data satisfies `match`. */
  next(event: string, match?: (data: unknown) => boolean, timeoutMs?: number): Promise<unknown>;
  close(): void;
}

/** Opens a server-sent event stream (e.g. `/events?topics=transcript`) and collects its events. */
export function openEvents(base: string, path: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const u = new URL(base);
  const events: { event: string; data: unknown }[] = [];
  let ended = false;
  let buffer = '';
  return new Promise((resolve, reject) => {
    // Its own connection: closing it must not disturb other requests of the test.
    const req = http.get({ hostname: u.hostname, port: u.port, path, headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET ${path} answered ${res.statusCode ?? '?'}`));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data !== undefined) events.push({ event, data: JSON.parse(data) as unknown });
        }
      });
      const end = () => {
        ended = true;
      };
      res.on('end', end);
      res.on('close', end);
      res.on('error', end);
      resolve({
        events,
        get ended() {
          return ended;
        },
        async next(event, match = () => true, timeoutMs = 5000) {
          let found: { event: string; data: unknown } | undefined;
          await eventually(() => (found = events.find((e) => e.event === event && match(e.data))), { what: `a "${event}" event`, timeout: timeoutMs });
          return found?.data;
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', (err) => {
      ended = true;
      reject(err);
    });
  });
}

/** Whether something accepts connections at the address of `base` (a URL). */
export function accepts(base: string): Promise<boolean> {
  const u = new URL(base);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface OAuthCall {
  readonly method: string;
  readonly path: string;
  readonly params: Record<string, string>;
  readonly authorization?: string;
}

export interface FakeTwitchAuth {
  readonly url: string;
  readonly calls: OAuthCall[];
  /** Polls answered `authorization_pending` before the grant is approved. */
  pendingPolls: number;
  close(): Promise<void>;
}

export const FAKE_GRANT = {
  clientId: 'fakeclientid0123456789',
  deviceCode: 'device-code-1',
  userCode: 'BAKE-1234',
  accessToken: 'accesstoken0123456789abc',
  refreshToken: 'refreshtoken0123456789',
  login: 'bakebot_acct',
  userId: '424242',
} as const;

/** Twitch's device-code, token and validate endpoints, as a small local server. */
export async function startFakeTwitchAuth(): Promise<FakeTwitchAuth> {
  const calls: OAuthCall[] = [];
  const state = { pendingPolls: 1 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      calls.push({ method: req.method ?? '', path: url.pathname, params, authorization: req.headers.authorization });
      const send = (status: number, body: unknown) => {
        // No kept-alive connection: the bot's fetch pool would hold its socket open seconds after the bot
        // stopped, and the test kit would rightly report it.
        res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'POST' && url.pathname === '/oauth2/device') {
        if (params.client_id !== FAKE_GRANT.clientId) return send(400, { status: 400, message: 'invalid client' });
        return send(200, { device_code: FAKE_GRANT.deviceCode, expires_in: 1800, interval: 1, user_code: FAKE_GRANT.userCode, verification_uri: `https://www.twitch.tv/activate?device-code=${FAKE_GRANT.userCode}` });
      }
      if (req.method === 'POST' && url.pathname === '/oauth2/token') {
        if (params.grant_type !== 'urn:ietf:params:oauth:grant-type:device_code' || params.device_code !== FAKE_GRANT.deviceCode) return send(400, { status: 400, message: 'invalid device code' });
        if (state.pendingPolls > 0) {
          state.pendingPolls--;
          return send(400, { status: 400, message: 'authorization_pending' });
        }
        return send(200, { access_token: FAKE_GRANT.accessToken, refresh_token: FAKE_GRANT.refreshToken, expires_in: 14_400, scope: ['chat:read', 'chat:edit'], token_type: 'bearer' });
      }
      if (req.method === 'GET' && url.pathname === '/oauth2/validate') {
        if (req.headers.authorization !== `OAuth ${FAKE_GRANT.accessToken}`) return send(401, { status: 401, message: 'invalid access token' });
        return send(200, { client_id: FAKE_GRANT.clientId, login: FAKE_GRANT.login, scopes: ['chat:read', 'chat:edit'], user_id: FAKE_GRANT.userId, expires_in: 14_000 });
      }
      send(404, { status: 404, message: 'not found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    get pendingPolls() {
      return state.pendingPolls;
    },
    set pendingPolls(n: number) {
      state.pendingPolls = n;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** @deprecated Use `eventually` from the test kit (kept for tests written against it). */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  await eventually(check, { what, timeout: timeoutMs });
}

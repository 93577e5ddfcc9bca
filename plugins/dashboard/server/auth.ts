// Who may use the dashboard: the admin password (DASHBOARD_PASSWORD, or generated once and stored as a
// scrypt hash), API tokens (BAKEBOT_API_TOKEN, or created on the Security page and stored as SHA-256),
// the session signing key (SECRET_KEY, or generated and stored), and the session store.
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { PluginContext, PluginDb } from '../../../core/types.ts';

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Compares two secrets in constant time (whatever their lengths). */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface ApiTokenInfo {
  readonly id: number;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

interface TokenRow {
  id: number;
  name: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
}

export interface SessionStore {
  get(key: string): Promise<Record<string, unknown> | undefined>;
  set(key: string, sess: Record<string, unknown>, maxAge: number): Promise<void>;
  destroy(key: string): Promise<void>;
}

export class Auth {
  /** When each token's last use was last written (a busy API client must not cost a write per call). */
  private readonly usedWritten = new Map<number, number>();

  constructor(
    private readonly db: PluginDb,
    private readonly env: PluginContext['env'],
    /** The bot's clock (ctx.clock): sessions expire and tokens are stamped by it, so tests can move it. */
    private readonly clock: Pick<PluginContext['clock'], 'now'>,
  ) {}

  async setting(key: string): Promise<string | undefined> {
    return (await this.db.get<{ value: string }>('SELECT value FROM dashboard_settings WHERE key = ?', [key]))?.value;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.db.run('INSERT INTO dashboard_settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  /** SECRET_KEY, or a key generated on first start and kept in the database. */
  async secretKey(): Promise<string> {
    if (this.env.SECRET_KEY) return this.env.SECRET_KEY;
    let key = await this.setting('secret_key');
    if (!key) {
      key = randomBytes(32).toString('base64url');
      await this.setSetting('secret_key', key);
    }
    return key;
  }

  get passwordFromEnv(): boolean {
    return !!this.env.DASHBOARD_PASSWORD;
  }

  /** Makes sure there is a password; returns it when it was just generated (to be shown once). */
  async ensurePassword(): Promise<string | undefined> {
    if (this.passwordFromEnv || (await this.setting('password_hash'))) return undefined;
    const password = randomBytes(12).toString('base64url');
    await this.setSetting('password_hash', await hashPassword(password));
    return password;
  }

  async checkPassword(password: string): Promise<boolean> {
    const fromEnv = this.env.DASHBOARD_PASSWORD;
    if (fromEnv) return sameSecret(password, fromEnv);
    const stored = await this.setting('password_hash');
    return !!stored && (await verifyPassword(password, stored));
  }

  async changePassword(password: string): Promise<void> {
    await this.setSetting('password_hash', await hashPassword(password));
  }

  // ------------------------------------------------------------ API tokens

  /** The name of the API client a bearer token belongs to, or undefined. */
  async checkToken(token: string): Promise<string | undefined> {
    const fromEnv = this.env.BAKEBOT_API_TOKEN;
    if (fromEnv && sameSecret(token, fromEnv)) return 'env';
    const row = await this.db.get<{ id: number; name: string }>('SELECT id, name FROM dashboard_api_tokens WHERE token_hash = ?', [sha256(token)]);
    if (!row) return undefined;
    const now = this.clock.now();
    if (now - (this.usedWritten.get(row.id) ?? 0) > 60_000) {
      this.usedWritten.set(row.id, now);
      await this.db.run('UPDATE dashboard_api_tokens SET last_used_at = ? WHERE id = ?', [now, row.id]);
    }
    return row.name;
  }

  /** Creates a token; the token itself is returned once and only its hash is kept. */
  async createToken(name: string): Promise<{ token: string; info: ApiTokenInfo }> {
    const token = `bkb_${randomBytes(32).toString('base64url')}`;
    const prefix = token.slice(0, 10);
    const createdAt = this.clock.now();
    const { lastID } = await this.db.run('INSERT INTO dashboard_api_tokens (name, token_hash, prefix, created_at) VALUES (?, ?, ?, ?)', [name, sha256(token), prefix, createdAt]);
    return { token, info: { id: lastID, name, prefix, createdAt, lastUsedAt: null } };
  }

  async listTokens(): Promise<ApiTokenInfo[]> {
    const rows = await this.db.all<TokenRow>('SELECT id, name, prefix, created_at, last_used_at FROM dashboard_api_tokens ORDER BY id');
    return rows.map((r) => ({ id: r.id, name: r.name, prefix: r.prefix, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
  }

  async revokeToken(id: number): Promise<boolean> {
    return (await this.db.run('DELETE FROM dashboard_api_tokens WHERE id = ?', [id])).changes > 0;
  }

  // ------------------------------------------------------------ sessions

  /** koa-session's external store: the cookie carries a signed random id, the data stays here. */
  sessionStore(): SessionStore {
    return {
      get: async (key) => {
        const row = await this.db.get<{ data: string; expires_at: number }>('SELECT data, expires_at FROM dashboard_sessions WHERE id = ?', [key]);
        if (!row || row.expires_at < this.clock.now()) return undefined;
        try {
          return JSON.parse(row.data) as Record<string, unknown>;
        } catch {
          return undefined;
        }
      },
      set: async (key, sess, maxAge) => {
        await this.db.run(
          'INSERT INTO dashboard_sessions (id, data, expires_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at',
          [key, JSON.stringify(sess), this.clock.now() + maxAge],
        );
      },
      destroy: async (key) => {
        await this.db.run('DELETE FROM dashboard_sessions WHERE id = ?', [key]);
      },
    };
  }

  async dropExpiredSessions(): Promise<number> {
    return (await this.db.run('DELETE FROM dashboard_sessions WHERE expires_at < ?', [this.clock.now()])).changes;
  }

  /** Logs everybody out (after a password change). */
  async dropAllSessions(): Promise<void> {
    await this.db.run('DELETE FROM dashboard_sessions');
  }
}

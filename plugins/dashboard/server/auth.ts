// Who may use the dashboard: the admin password (DASHBOARD_PASSWORD, or generated once and stored as a
// scrypt hash), API tokens (BAKEBOT_API_TOKEN, or created on the Security page and stored as SHA-256),
// the session signing key (SECRET_KEY, or generated and stored), and the session store. Everything stored
// here lives in the dashboard's own file (secrets.ts), out of reach of other plugins' `ctx.db`.
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { PluginContext, PluginDb } from '../../../core/types.ts';
import type { SecretStore } from './secrets.ts';

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

/**
 * Sets the admin password (scrypt, as above) and forgets a generated one that was never used. The running
 * dashboard reads the hash from the secrets file at every login, so this works with the bot running or not
 * (the Security page and `npm run dashboard:password` both come here).
 */
export async function storePassword(secrets: SecretStore, password: string): Promise<void> {
  await secrets.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', ['password_hash', await hashPassword(password)]);
  await secrets.run("DELETE FROM settings WHERE key = 'unused_password'");
}

/** Ends every login session (their cookies then lead to the login page); returns how many there were. */
export async function endAllSessions(secrets: SecretStore): Promise<number> {
  return (await secrets.run('DELETE FROM sessions')).changes;
}

/** Revokes every API token made on the Security page; returns how many. */
export async function deleteAllTokens(secrets: SecretStore): Promise<number> {
  return (await secrets.run('DELETE FROM api_tokens')).changes;
}

export interface ApiTokenInfo {
  readonly id: number;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  /** May create (and revoke) API tokens itself. */
  readonly canMint: boolean;
}

interface TokenRow {
  id: number;
  name: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  can_mint: number;
}

/** Who a valid bearer token belongs to. */
export interface TokenHolder {
  readonly name: string;
  readonly canMint: boolean;
}

export interface SessionStore {
  get(key: string): Promise<Record<string, unknown> | undefined>;
  set(key: string, sess: Record<string, unknown>, maxAge: number): Promise<void>;
  destroy(key: string): Promise<void>;
}

export interface SessionTimes {
  /** A session unused this long ends. */
  readonly idleMs: number;
  /** A session ends this long after its login, used or not. */
  readonly absoluteMs: number;
}

export class Auth {
  /** When each token's last use was last written (a busy API client must not cost a write per call). */
  private readonly usedWritten = new Map<number, number>();
  /** SHA-256 of tokens that were valid since the start: they keep working while an address is refused. */
  private readonly knownGood = new Set<string>();

  constructor(
    /** The bot database: only what is not secret (the last Twitch client id). */
    private readonly db: PluginDb,
    private readonly secrets: SecretStore,
    private readonly env: PluginContext['env'],
    private readonly now: () => number,
    private readonly times: () => SessionTimes,
  ) {}

  /** A setting of the dashboard that is not a secret (kept in the bot database). */
  async setting(key: string): Promise<string | undefined> {
    return (await this.db.get<{ value: string }>('SELECT value FROM dashboard_settings WHERE key = ?', [key]))?.value;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.db.run('INSERT INTO dashboard_settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  private async secret(key: string): Promise<string | undefined> {
    return (await this.secrets.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [key]))?.value;
  }

  private async setSecret(key: string, value: string): Promise<void> {
    await this.secrets.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  /** SECRET_KEY, or a key generated on first start and kept in the secrets file. */
  async secretKey(): Promise<string> {
    if (this.env.SECRET_KEY) return this.env.SECRET_KEY;
    let key = await this.secret('secret_key');
    if (!key) {
      key = randomBytes(32).toString('base64url');
      await this.setSecret('secret_key', key);
    }
    return key;
  }

  get passwordFromEnv(): boolean {
    return !!this.env.DASHBOARD_PASSWORD;
  }

  /**
   * Makes sure there is a password; returns it when it was generated and no one has logged in with it yet
   * (to be printed on the terminal at every start until then: a first start whose port was taken, or whose
   * terminal was closed, must not lock the streamer out). Kept in the secrets file (0600) until the first
   * login or password change.
   */
  async ensurePassword(): Promise<string | undefined> {
    if (this.passwordFromEnv) return undefined;
    if (await this.secret('password_hash')) return this.secret('unused_password');
    const password = randomBytes(12).toString('base64url');
    await this.setSecret('password_hash', await hashPassword(password));
    await this.setSecret('unused_password', password);
    return password;
  }

  async checkPassword(password: string): Promise<boolean> {
    const fromEnv = this.env.DASHBOARD_PASSWORD;
    if (fromEnv) return sameSecret(password, fromEnv);
    const stored = await this.secret('password_hash');
    const ok = !!stored && (await verifyPassword(password, stored));
    if (ok) await this.forgetUnusedPassword();
    return ok;
  }

  async changePassword(password: string): Promise<void> {
    await storePassword(this.secrets, password);
  }

  /** Someone got in: the generated password is no longer kept in clear or printed. */
  private async forgetUnusedPassword(): Promise<void> {
    await this.secrets.run("DELETE FROM settings WHERE key = 'unused_password'");
  }

  // ------------------------------------------------------------ API tokens

  /** Who a bearer token belongs to, or undefined. */
  async checkToken(token: string): Promise<TokenHolder | undefined> {
    const fromEnv = this.env.BAKEBOT_API_TOKEN;
    if (fromEnv && sameSecret(token, fromEnv)) {
      this.knownGood.add(sha256(token));
      return { name: 'env', canMint: false };
    }
    const hash = sha256(token);
    const row = await this.secrets.get<{ id: number; name: string; can_mint: number }>('SELECT id, name, can_mint FROM api_tokens WHERE token_hash = ?', [hash]);
    if (!row) {
      this.knownGood.delete(hash);
      return undefined;
    }
    this.knownGood.add(hash);
    const now = this.now();
    if (now - (this.usedWritten.get(row.id) ?? 0) > 60_000) {
      this.usedWritten.set(row.id, now);
      await this.secrets.run('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', [now, row.id]);
    }
    return { name: row.name, canMint: row.can_mint === 1 };
  }

  /**
   * Whether a token is still worth checking while its address is refused for wrong tokens: one that was
   * valid before, or one the Security page made (256 random bits: no use guessing). A weak
   * BAKEBOT_API_TOKEN that was never used is the one that waits, so it cannot be guessed meanwhile.
   */
  checkableWhileRefused(token: string): boolean {
    return this.knownGood.has(sha256(token)) || /^bkb_[A-Za-z0-9_-]{43}$/.test(token);
  }

  /** Creates a token; the token itself is returned once and only its hash is kept. */
  async createToken(name: string, canMint = false): Promise<{ token: string; info: ApiTokenInfo }> {
    const token = `bkb_${randomBytes(32).toString('base64url')}`;
    const prefix = token.slice(0, 10);
    const createdAt = this.now();
    const { lastID } = await this.secrets.run('INSERT INTO api_tokens (name, token_hash, prefix, created_at, can_mint) VALUES (?, ?, ?, ?, ?)', [name, sha256(token), prefix, createdAt, canMint ? 1 : 0]);
    return { token, info: { id: lastID, name, prefix, createdAt, lastUsedAt: null, canMint } };
  }

  async listTokens(): Promise<ApiTokenInfo[]> {
    const rows = await this.secrets.all<TokenRow>('SELECT id, name, prefix, created_at, last_used_at, can_mint FROM api_tokens ORDER BY id');
    return rows.map((r) => ({ id: r.id, name: r.name, prefix: r.prefix, createdAt: r.created_at, lastUsedAt: r.last_used_at, canMint: r.can_mint === 1 }));
  }

  async revokeToken(id: number): Promise<boolean> {
    this.knownGood.clear();
    return (await this.secrets.run('DELETE FROM api_tokens WHERE id = ?', [id])).changes > 0;
  }

  /** Revokes every token made on the Security page (after a password change); returns how many. */
  async revokeAllTokens(): Promise<number> {
    this.knownGood.clear();
    return deleteAllTokens(this.secrets);
  }

  // ------------------------------------------------------------ sessions

  /**
   * koa-session's external store: the cookie carries a signed random id, the data stays here. A session
   * ends after `idleMs` without use (each use within the second half of that extends it) and, whatever
   * its use, `absoluteMs` after its login.
   */
  sessionStore(): SessionStore {
    return {
      get: async (key) => {
        const row = await this.secrets.get<{ data: string; expires_at: number }>('SELECT data, expires_at FROM sessions WHERE id = ?', [key]);
        const now = this.now();
        if (!row || row.expires_at < now) return undefined;
        let data: Record<string, unknown>;
        try {
          data = JSON.parse(row.data) as Record<string, unknown>;
        } catch {
          return undefined;
        }
        const { idleMs } = this.times();
        if (row.expires_at - now < idleMs / 2) {
          const expires = this.expiresAt(data);
          if (expires < now) return undefined;
          await this.secrets.run('UPDATE sessions SET expires_at = ? WHERE id = ?', [expires, key]);
        }
        return data;
      },
      set: async (key, sess) => {
        // Only logins are kept: an anonymous visit (the login page) leaves nothing behind.
        if (typeof sess.user !== 'string') {
          await this.secrets.run('DELETE FROM sessions WHERE id = ?', [key]);
          return;
        }
        await this.secrets.run(
          'INSERT INTO sessions (id, data, expires_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at',
          [key, JSON.stringify(sess), this.expiresAt(sess)],
        );
      },
      destroy: async (key) => {
        await this.secrets.run('DELETE FROM sessions WHERE id = ?', [key]);
      },
    };
  }

  private expiresAt(sess: Record<string, unknown>): number {
    const { idleMs, absoluteMs } = this.times();
    const now = this.now();
    const loginAt = typeof sess.loginAt === 'number' ? sess.loginAt : now;
    return Math.min(now + idleMs, loginAt + absoluteMs);
  }

  async dropExpiredSessions(): Promise<number> {
    return (await this.secrets.run('DELETE FROM sessions WHERE expires_at < ?', [this.now()])).changes;
  }

  /** Logs everybody out (after a password change). */
  async dropAllSessions(): Promise<void> {
    await endAllSessions(this.secrets);
  }
}

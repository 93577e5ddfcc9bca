// Shared pieces of the security tests: a bot with the dashboard on a random port, the dashboard's secrets
// file, and the lines the bot printed on the terminal.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from 'sqlite';
import sqlite3 from 'sqlite3';
import { SECRETS_FILE } from '../../plugins/dashboard/server/secrets.ts';
import { startTestBot, type TestBot, type TestBotOptions } from '../support/kit.ts';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const PASSWORD = 'pw-for-security-tests';
export const TOKEN = 'security-test-api-token-0123456789';

export interface SecurityBot {
  readonly t: TestBot;
  readonly url: string;
  readonly port: string;
  /** Lines the bot wrote on the terminal (stderr), `terminalOnly` lines included. */
  readonly terminal: string[];
}

/** A bot with the dashboard (and `plugins`) on a random port; DASHBOARD_PASSWORD and BAKEBOT_API_TOKEN unless `env` says otherwise. */
export async function startDashboard(options: Omit<TestBotOptions, 'logWrite'> & { plugins?: readonly string[] } = {}): Promise<SecurityBot> {
  const terminal: string[] = [];
  const t = await startTestBot({
    ...options,
    plugins: ['dashboard', ...(options.plugins ?? [])],
    pluginPaths: [FIXTURES, ...(options.pluginPaths ?? [])],
    config: { ...options.config, plugins: { ...options.config?.plugins, dashboard: { port: 0, ...(options.config?.plugins?.dashboard as object | undefined) } } },
    env: options.env ?? { DASHBOARD_PASSWORD: PASSWORD, BAKEBOT_API_TOKEN: TOKEN },
    logWrite: (line) => terminal.push(line),
  });
  const url = t.service('dashboard').url ?? '';
  return { t, url, port: new URL(url).port, terminal };
}

export function secretsFile(t: TestBot): string {
  return path.join(t.dir, 'data', SECRETS_FILE);
}

/** Rows of the dashboard's own secrets file (opened as a test may; plugins get only `ctx.db`). */
export async function secretRows<T>(t: TestBot, sql: string, params: (string | number)[] = []): Promise<T[]> {
  const db = await open({ filename: secretsFile(t), driver: sqlite3.Database });
  try {
    return await db.all<T[]>(sql, params);
  } finally {
    await db.close();
  }
}

export async function secretRun(t: TestBot, sql: string, params: (string | number)[] = []): Promise<void> {
  const db = await open({ filename: secretsFile(t), driver: sqlite3.Database });
  try {
    await db.run(sql, params);
  } finally {
    await db.close();
  }
}

/** The generated password from the terminal line that shows it (the last one, after a regeneration). */
export function printedPassword(terminal: readonly string[]): string {
  const line = [...terminal].reverse().find((l) => l.includes('dashboard password (shown only'));
  return /: (\S+)$/.exec(line ?? '')?.[1] ?? '';
}

/** Counts the log lines of checked-and-wrong passwords (each one ran scrypt). */
export function wrongPasswordsLogged(t: TestBot, what: RegExp): number {
  return t.host.recentLogs().filter((e) => what.test(e.msg)).length;
}

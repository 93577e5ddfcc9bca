// A viewer's right to their data: an export of everything the economy holds about them, and deletion.
// Deletion removes the account and personal data, but the ledger is the proof that every balance is right,
// so its rows stay: the user id (also as actor or counterparty) is replaced by a stable anonymous id, and
// the balance that went with the account is closed by a last `close` row, so every sum still holds.
import { createHash, randomBytes } from 'node:crypto';
import type { Logger, SqlTx, UserForgotten } from '../../core/types.ts';
import type { Books } from './ledger.ts';
import type { UserDeleted } from './service.ts';

export const SALT_KEY = 'anonymous_id_salt';

/** The install's secret salt: anonymous ids cannot be turned back into user ids by hashing guesses. */
export async function loadSalt(tx: SqlTx): Promise<string> {
  await tx.run('INSERT OR IGNORE INTO economy_meta (key, value) VALUES (?, ?)', [SALT_KEY, randomBytes(16).toString('hex')]);
  return ((await tx.get<{ value: string }>('SELECT value FROM economy_meta WHERE key = ?', [SALT_KEY])) as { value: string }).value;
}

export function anonymousId(salt: string, userId: string): string {
  return `anon-${createHash('sha256').update(`${salt}:${userId}`).digest('hex').slice(0, 16)}`;
}

/** Inside one transaction: refunds open escrows, closes the balance, deletes the account, anonymizes the ledger. */
export async function eraseAccount(books: Books, userId: string, anon: string): Promise<{ tokensClosed: number; ledgerRowsAnonymized: number }> {
  const tx = books.tx;
  const open = await tx.all<{ id: number }>("SELECT id FROM economy_escrow WHERE user_id = ? AND state = 'held' ORDER BY id", [userId]);
  for (const e of open) await books.release(e.id, { reason: 'refund: account deleted', actor: 'system' });
  const tokensClosed = await books.closeAccount(userId, { reason: 'account deleted on request', actor: 'system' });
  // Idempotency keys may embed the user id (`daily:<id>:<day>`): they become unique anonymous keys.
  await tx.run(
    "UPDATE economy_ledger SET key = 'anon-key:' || id WHERE (user_id = ? OR actor = ? OR counterparty = ?) AND instr(key, ?) > 0",
    [userId, userId, userId, userId],
  );
  await tx.run("UPDATE economy_escrow SET key = 'anon-key:' || id WHERE (user_id = ? OR paid_to = ?) AND instr(key, ?) > 0", [userId, userId, userId]);
  const { changes } = await tx.run('UPDATE economy_ledger SET user_id = ? WHERE user_id = ?', [anon, userId]);
  await tx.run('UPDATE economy_ledger SET actor = ? WHERE actor = ?', [anon, userId]);
  await tx.run('UPDATE economy_ledger SET counterparty = ? WHERE counterparty = ?', [anon, userId]);
  await tx.run('UPDATE economy_escrow SET user_id = ? WHERE user_id = ?', [anon, userId]);
  await tx.run('UPDATE economy_escrow SET paid_to = ? WHERE paid_to = ?', [anon, userId]);
  return { tokensClosed, ledgerRowsAnonymized: changes };
}

export interface ForgetDeps {
  readonly salt: string;
  readonly log: Logger;
  /** Writes pending chat XP, so none lands on the account after it is gone. */
  flush(): Promise<void>;
  erase(userId: string, anon: string): Promise<{ tokensClosed: number; ledgerRowsAnonymized: number }>;
  /** Forgets what the economy keeps in memory about the viewer (exclusion, recent chatter, boost, cooldown). */
  dropMemory(userId: string): void;
  /** Tells the listeners of `onUserDeleted` (the older API), after the economy's part has committed. */
  notify(event: UserDeleted): Promise<void>;
}

/** The economy's tap of core's `userForgotten`: its part of a viewer's deletion, reported with the others'. */
export async function forgetViewer(event: UserForgotten, deps: ForgetDeps): Promise<void> {
  await deps.flush();
  const anon = anonymousId(deps.salt, event.userId);
  const erased = await deps.erase(event.userId, anon);
  deps.dropMemory(event.userId);
  event.report({ anonymousId: anon, ...erased });
  deps.log.info(`deleted a user's data on request; their ledger rows now belong to ${anon}`);
  await deps.notify({ userId: event.userId, anonymousId: anon });
}

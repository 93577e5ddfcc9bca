// The books must balance. One SQL statement (so it reads one consistent snapshot, without blocking writers)
// finds every account whose balance differs from the sum of its ledger rows, every escrow whose held amount
// differs from minus the sum of the ledger rows that name it, and every account whose `held` differs from
// its open escrows. Shared by the service's check() and the `npm run economy:check` command line.
// Accounts are read through the table's own primary key (INDEXED BY its autoindex: NOT INDEXED is ignored on a
// WITHOUT ROWID table): the balance index covers `tokens`, and SQLite would otherwise read the balances from
// the index, so a damaged table row (a balance that no longer matches its ledger) went unseen.
import type { CheckResult } from './service.ts';

export const CHECK_SQL = `
WITH l AS (SELECT user_id, sum(delta) AS s FROM economy_ledger GROUP BY user_id),
     el AS (SELECT escrow_id, -sum(delta) AS s FROM economy_ledger WHERE escrow_id IS NOT NULL GROUP BY escrow_id),
     eh AS (SELECT user_id, sum(amount) AS s FROM economy_escrow WHERE state = 'held' GROUP BY user_id)
SELECT 'balance' AS type, a.user_id AS id, a.tokens AS a, coalesce(l.s, 0) AS b
  FROM economy_accounts a INDEXED BY sqlite_autoindex_economy_accounts_1 LEFT JOIN l ON l.user_id = a.user_id WHERE a.tokens != coalesce(l.s, 0)
UNION ALL
SELECT 'balance', l.user_id, 0, l.s FROM l
  WHERE l.s != 0 AND NOT EXISTS (SELECT 1 FROM economy_accounts a WHERE a.user_id = l.user_id)
UNION ALL
SELECT 'escrow', e.id, CASE WHEN e.state = 'held' THEN e.amount ELSE 0 END, coalesce(el.s, 0)
  FROM economy_escrow e LEFT JOIN el ON el.escrow_id = e.id
  WHERE CASE WHEN e.state = 'held' THEN e.amount ELSE 0 END != coalesce(el.s, 0)
UNION ALL
SELECT 'escrow', el.escrow_id, 0, el.s FROM el
  WHERE NOT EXISTS (SELECT 1 FROM economy_escrow e WHERE e.id = el.escrow_id)
UNION ALL
SELECT 'held', a.user_id, a.held, coalesce(eh.s, 0)
  FROM economy_accounts a INDEXED BY sqlite_autoindex_economy_accounts_1 LEFT JOIN eh ON eh.user_id = a.user_id WHERE a.held != coalesce(eh.s, 0)
UNION ALL
SELECT 'negative', user_id, tokens, held FROM economy_accounts INDEXED BY sqlite_autoindex_economy_accounts_1 WHERE tokens < 0 OR held < 0
UNION ALL
SELECT 'count', '', (SELECT count(*) FROM economy_accounts), (SELECT count(*) FROM economy_ledger)`;

interface CheckRow {
  type: 'balance' | 'escrow' | 'held' | 'negative' | 'count';
  id: string | number;
  a: number;
  b: number;
}

export interface Reader {
  all<T>(sql: string): Promise<T[]>;
}

export async function checkBooks(db: Reader): Promise<CheckResult> {
  const rows = await db.all<CheckRow>(CHECK_SQL);
  const result = {
    ok: true,
    accounts: 0,
    ledgerRows: 0,
    mismatches: [] as { userId: string; balance: number; ledgerSum: number }[],
    escrowMismatches: [] as { escrowId: number; held: number; ledgerHeld: number }[],
    heldMismatches: [] as { userId: string; held: number; escrowed: number }[],
    negative: [] as string[],
  };
  for (const r of rows) {
    if (r.type === 'count') {
      result.accounts = r.a;
      result.ledgerRows = r.b;
    } else if (r.type === 'balance') result.mismatches.push({ userId: String(r.id), balance: r.a, ledgerSum: r.b });
    else if (r.type === 'escrow') result.escrowMismatches.push({ escrowId: Number(r.id), held: r.a, ledgerHeld: r.b });
    else if (r.type === 'held') result.heldMismatches.push({ userId: String(r.id), held: r.a, escrowed: r.b });
    else result.negative.push(String(r.id));
  }
  result.ok = !result.mismatches.length && !result.escrowMismatches.length && !result.heldMismatches.length && !result.negative.length;
  return result;
}

/** The report `npm run economy:check` prints. */
export function describeCheck(r: CheckResult): string {
  const lines: string[] = [];
  for (const m of r.mismatches) lines.push(`user ${m.userId}: balance ${m.balance}, ledger sum ${m.ledgerSum} (off by ${m.balance - m.ledgerSum})`);
  for (const m of r.escrowMismatches) lines.push(`escrow ${m.escrowId}: holds ${m.held}, ledger says ${m.ledgerHeld}`);
  for (const m of r.heldMismatches) lines.push(`user ${m.userId}: held ${m.held}, open escrows ${m.escrowed}`);
  for (const u of r.negative) lines.push(`user ${u}: negative balance`);
  const problems = r.mismatches.length + r.escrowMismatches.length + r.heldMismatches.length + r.negative.length;
  lines.push(
    r.ok
      ? `OK: ${r.accounts} accounts and ${r.ledgerRows} ledger rows; every balance is the sum of its ledger rows.`
      : `FAILED: ${problems} problem(s) in ${r.accounts} accounts and ${r.ledgerRows} ledger rows.`,
  );
  return lines.join('\n');
}

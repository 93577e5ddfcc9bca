-- Up
-- One account per Twitch user id. Logins and display names stay in core's `users` table (joined on read).
-- `tokens` is the spendable balance and always equals the sum of the user's ledger rows; `held` is what
-- sits in open escrows (wagers) and equals the sum of the user's open `economy_escrow` rows.
CREATE TABLE economy_accounts (
  user_id TEXT PRIMARY KEY NOT NULL,
  xp INTEGER NOT NULL DEFAULT 0 CHECK (xp >= 0),
  tokens INTEGER NOT NULL DEFAULT 0 CHECK (tokens >= 0),
  held INTEGER NOT NULL DEFAULT 0 CHECK (held >= 0),
  wins INTEGER NOT NULL DEFAULT 0 CHECK (wins >= 0),
  daily_streak INTEGER NOT NULL DEFAULT 0,
  last_daily TEXT,
  last_hourly INTEGER,
  last_work INTEGER,
  is_excluded INTEGER NOT NULL DEFAULT 0 CHECK (is_excluded IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
-- Leaderboards walk these from the top; with is_excluded in the index, rank counts never touch the table.
CREATE INDEX idx_economy_accounts_xp ON economy_accounts(xp DESC, user_id, is_excluded);
CREATE INDEX idx_economy_accounts_tokens ON economy_accounts(tokens DESC, user_id, is_excluded);
CREATE INDEX idx_economy_accounts_wins ON economy_accounts(wins DESC, user_id, is_excluded);
CREATE INDEX idx_economy_accounts_excluded ON economy_accounts(user_id) WHERE is_excluded = 1;

-- Every change of a balance, append-only, written in the same transaction as the balance.
CREATE TABLE economy_ledger (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('credit', 'debit', 'transfer', 'hold', 'release', 'payout', 'admin', 'close')),
  delta INTEGER NOT NULL,
  balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
  xp_delta INTEGER NOT NULL DEFAULT 0,
  reason TEXT NOT NULL,
  source TEXT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  actor TEXT NOT NULL,
  counterparty TEXT,
  escrow_id INTEGER,
  time INTEGER NOT NULL
);
CREATE INDEX idx_economy_ledger_user ON economy_ledger(user_id, id);
CREATE INDEX idx_economy_ledger_time ON economy_ledger(time);
CREATE INDEX idx_economy_ledger_escrow ON economy_ledger(escrow_id) WHERE escrow_id IS NOT NULL;
CREATE INDEX idx_economy_ledger_actor ON economy_ledger(actor);
CREATE INDEX idx_economy_ledger_counterparty ON economy_ledger(counterparty) WHERE counterparty IS NOT NULL;

-- Append-only: rows are never deleted, and only the personal columns may change (a deletion request
-- replaces the user id with an anonymous one).
CREATE TRIGGER economy_ledger_no_delete BEFORE DELETE ON economy_ledger
BEGIN
  SELECT RAISE(ABORT, 'economy_ledger is append-only');
END;
CREATE TRIGGER economy_ledger_no_update BEFORE UPDATE OF id, kind, delta, balance_after, xp_delta, reason, source, escrow_id, time ON economy_ledger
BEGIN
  SELECT RAISE(ABORT, 'economy_ledger is append-only');
END;

-- Tokens held for a wager: taken from the balance by a `hold` row, then given back (`release`) or paid to
-- a winner (`payout`). The ledger rows of an escrow sum to minus what it still holds.
CREATE TABLE economy_escrow (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0),
  state TEXT NOT NULL DEFAULT 'held' CHECK (state IN ('held', 'released', 'paid')),
  paid_to TEXT,
  reason TEXT NOT NULL,
  source TEXT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  settled_at INTEGER
);
CREATE INDEX idx_economy_escrow_user ON economy_escrow(user_id, state);
CREATE INDEX idx_economy_escrow_open ON economy_escrow(state) WHERE state = 'held';

-- Small settings of the economy itself (the salt of anonymous ids).
CREATE TABLE economy_meta (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- Down
DROP TABLE economy_meta;
DROP TABLE economy_escrow;
DROP TABLE economy_ledger;
DROP TABLE economy_accounts;

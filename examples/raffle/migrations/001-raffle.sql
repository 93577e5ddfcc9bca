-- Up
-- One row per raffle; its tickets are economy escrows (the tokens stay in the economy's ledger).
CREATE TABLE raffle_rounds (
  id INTEGER PRIMARY KEY,
  ticket_cost INTEGER NOT NULL,
  opened_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'open',      -- open | drawn | refunded
  winner_id TEXT
);
CREATE TABLE raffle_tickets (
  round_id INTEGER NOT NULL REFERENCES raffle_rounds(id),
  user_id TEXT NOT NULL,
  escrow_id INTEGER NOT NULL,
  PRIMARY KEY (round_id, user_id)
);

-- Down
DROP TABLE raffle_tickets;
DROP TABLE raffle_rounds;

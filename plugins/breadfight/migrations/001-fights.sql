-- Up
-- One row per challenge: the fight's persisted state machine. `state` goes challenged -> active -> finished;
-- `turn` counts the turns played (turn 0 is the challenger's first); the question being asked is stored with
-- it, so a restart asks the same question again. Escrow ids are set in the same transaction as the holds.
CREATE TABLE breadfight_fights (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  channel TEXT NOT NULL,
  challenger_id TEXT NOT NULL,
  challenger_login TEXT NOT NULL,
  opponent_id TEXT NOT NULL,
  opponent_login TEXT NOT NULL,
  wager INTEGER NOT NULL CHECK (wager >= 0),
  state TEXT NOT NULL CHECK (state IN ('challenged', 'active', 'finished')),
  turn INTEGER NOT NULL DEFAULT 0,
  max_rounds INTEGER NOT NULL,
  hp_max INTEGER NOT NULL,
  hp_challenger INTEGER NOT NULL,
  hp_opponent INTEGER NOT NULL,
  question_id TEXT,
  question TEXT,
  answers TEXT,
  difficulty INTEGER,
  escrow_challenger INTEGER,
  escrow_opponent INTEGER,
  outcome TEXT CHECK (outcome IN ('win', 'draw', 'declined', 'expired', 'cancelled', 'refunded')),
  winner_id TEXT,
  house_cut INTEGER NOT NULL DEFAULT 0,
  moves TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX breadfight_fights_state ON breadfight_fights (state);
CREATE INDEX breadfight_fights_finished ON breadfight_fights (finished_at);

-- Spectators' cheers: one per spectator and fight, for the recap.
CREATE TABLE breadfight_cheers (
  fight_id INTEGER NOT NULL REFERENCES breadfight_fights (id),
  user_id TEXT NOT NULL,
  login TEXT NOT NULL,
  fighter_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (fight_id, user_id)
);

-- Per-viewer record, updated in the transaction that settles a fight. `tokens_won` is the net gain of wins
-- (the opponent's wager minus the house cut).
CREATE TABLE breadfight_stats (
  user_id TEXT PRIMARY KEY,
  login TEXT NOT NULL,
  wins INTEGER NOT NULL DEFAULT 0,
  losses INTEGER NOT NULL DEFAULT 0,
  draws INTEGER NOT NULL DEFAULT 0,
  streak INTEGER NOT NULL DEFAULT 0,
  best_streak INTEGER NOT NULL DEFAULT 0,
  tokens_won INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
CREATE INDEX breadfight_stats_wins ON breadfight_stats (wins DESC, best_streak DESC);

-- Down
DROP TABLE breadfight_stats;
DROP TABLE breadfight_cheers;
DROP TABLE breadfight_fights;

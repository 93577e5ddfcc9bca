-- Up
-- One row per game. A running game's row changes with every step (state, deadline, random source), so a
-- restart resumes it where it stood; at most one runs per channel.
CREATE TABLE minigames_games (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  channel TEXT NOT NULL,
  type TEXT NOT NULL,
  provider TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'won', 'timeout', 'cancelled', 'lost')),
  options TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL DEFAULT 'null',
  step INTEGER NOT NULL DEFAULT 0,
  deadline INTEGER,
  rng INTEGER NOT NULL,
  started_by TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  answer TEXT,
  summary TEXT,
  answers INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX minigames_games_one_running ON minigames_games (channel) WHERE status = 'running';
CREATE INDEX minigames_games_ended ON minigames_games (ended_at);

-- Entry fees of wager games: each one an economy escrow, held from the moment its viewer joined.
CREATE TABLE minigames_entries (
  game_id INTEGER NOT NULL REFERENCES minigames_games (id),
  user_id TEXT NOT NULL,
  login TEXT NOT NULL,
  display_name TEXT NOT NULL,
  escrow_id INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  joined_at INTEGER NOT NULL,
  PRIMARY KEY (game_id, user_id)
);

-- Who played a game and what they won (written when it ends).
CREATE TABLE minigames_players (
  game_id INTEGER NOT NULL REFERENCES minigames_games (id),
  user_id TEXT NOT NULL,
  login TEXT NOT NULL,
  won INTEGER NOT NULL DEFAULT 0,
  tokens INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (game_id, user_id)
);

-- Totals per viewer and game type, kept with each game's end.
CREATE TABLE minigames_stats (
  user_id TEXT NOT NULL,
  type TEXT NOT NULL,
  plays INTEGER NOT NULL DEFAULT 0,
  wins INTEGER NOT NULL DEFAULT 0,
  tokens_won INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, type)
);

-- Trivia questions added on the dashboard (the bundled ones live in questions/<language>.json).
CREATE TABLE minigames_questions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  question TEXT NOT NULL,
  answer TEXT NOT NULL,
  aliases TEXT NOT NULL DEFAULT '[]',
  category TEXT NOT NULL DEFAULT 'general',
  difficulty INTEGER NOT NULL DEFAULT 2,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Down
DROP TABLE minigames_questions;
DROP TABLE minigames_stats;
DROP TABLE minigames_players;
DROP TABLE minigames_entries;
DROP TABLE minigames_games;

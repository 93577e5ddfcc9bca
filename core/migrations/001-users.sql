-- Up
-- Everyone the bot has seen in chat. Keyed by Twitch user id, because logins can change.
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  login TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  first_seen INTEGER NOT NULL DEFAULT 0,
  last_seen INTEGER NOT NULL DEFAULT 0,
  notes TEXT NOT NULL DEFAULT '',
  is_banned INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX idx_users_login ON users(login);
CREATE INDEX idx_users_last_seen ON users(last_seen);
CREATE INDEX idx_users_banned ON users(is_banned) WHERE is_banned = 1;

-- Down
DROP TABLE users;

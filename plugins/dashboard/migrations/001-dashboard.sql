-- Up
-- Secrets the dashboard generates for itself (session key, admin password hash) and small settings.
CREATE TABLE dashboard_settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- API tokens created on the Security page. Only a SHA-256 of each token is kept (tokens are 256 random
-- bits, so a slow hash adds nothing); the prefix lets the streamer tell them apart.
CREATE TABLE dashboard_api_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER
);

-- Login sessions (the cookie holds only a signed random id).
CREATE TABLE dashboard_sessions (
  id TEXT PRIMARY KEY,
  data TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX idx_dashboard_sessions_expires ON dashboard_sessions(expires_at);

-- Command uses per command and hour, for the command-use chart.
CREATE TABLE dashboard_command_uses (
  command TEXT NOT NULL,
  hour INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (command, hour)
);

-- Down
DROP TABLE dashboard_command_uses;
DROP TABLE dashboard_sessions;
DROP TABLE dashboard_api_tokens;
DROP TABLE dashboard_settings;

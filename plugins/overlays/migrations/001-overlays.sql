-- Up
-- One secret key per overlay page (OBS cannot log in: the key in the URL is the login).
CREATE TABLE overlays_keys (
  name TEXT PRIMARY KEY,
  key TEXT NOT NULL,
  rotated_at INTEGER NOT NULL
);

-- Down
DROP TABLE overlays_keys;

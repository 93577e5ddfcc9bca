-- Up
-- Small facts core keeps about itself: the last start (written at start, which proves the file takes
-- writes before the bot says ready) and the last automatic backup.
CREATE TABLE core_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- Down
DROP TABLE core_meta;

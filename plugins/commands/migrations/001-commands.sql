-- Up
-- Custom commands added from chat (!addcom) or on the dashboard; those in the config file are not copied here.
CREATE TABLE commands_custom (
  name TEXT PRIMARY KEY,
  response TEXT NOT NULL,
  permission TEXT NOT NULL DEFAULT 'everyone',
  cooldown REAL,
  global_cooldown REAL NOT NULL DEFAULT 0,
  aliases TEXT NOT NULL DEFAULT '[]',
  cost INTEGER NOT NULL DEFAULT 0,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
-- Use counters of every custom command ({count}), wherever it is defined.
CREATE TABLE commands_uses (
  name TEXT PRIMARY KEY,
  count INTEGER NOT NULL DEFAULT 0,
  last_used_at INTEGER
);

-- Down
DROP TABLE commands_uses;
DROP TABLE commands_custom;

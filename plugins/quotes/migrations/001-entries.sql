-- Up
CREATE TABLE quotes_entries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  text TEXT NOT NULL,
  added_by TEXT NOT NULL,
  channel TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

-- Down
DROP TABLE quotes_entries;

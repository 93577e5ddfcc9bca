-- Up
-- Every event acted on, by its idempotency key: a redelivery (also after a restart) finds its key and is dropped.
-- Rows older than dedupeDays are deleted. Also the "recent events" of the dashboard page.
CREATE TABLE eventsub_events (
  key TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  test INTEGER NOT NULL DEFAULT 0,
  user_id TEXT,
  login TEXT,
  summary TEXT NOT NULL,
  status TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '',
  received_at INTEGER NOT NULL
);
CREATE INDEX eventsub_events_received ON eventsub_events (received_at);

-- Down
DROP TABLE eventsub_events;

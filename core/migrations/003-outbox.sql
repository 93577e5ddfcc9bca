-- Up
-- Confirmations stored in the transaction of the change they confirm (ctx.chat.confirm / call.confirm):
-- a row is deleted once the transport has sent the reply, so what is left after a crash is sent at the
-- next start while still fresh (bot.unsentReplyMaxAge), and logged as given up when older.
CREATE TABLE core_outbox (
  id INTEGER PRIMARY KEY,
  plugin TEXT NOT NULL,
  channel TEXT NOT NULL,
  text TEXT NOT NULL,
  reply_to TEXT,
  via TEXT,
  created_at INTEGER NOT NULL
);

-- Down
DROP TABLE core_outbox;

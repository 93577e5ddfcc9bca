-- Up
-- The seed's chat_logs, plus the Twitch user id (logins change) and the message id.
CREATE TABLE chatlog_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  username TEXT NOT NULL,
  display_name TEXT NOT NULL,
  message TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  channel TEXT NOT NULL
);
CREATE INDEX idx_chatlog_timestamp ON chatlog_messages(timestamp);
CREATE INDEX idx_chatlog_user ON chatlog_messages(user_id, timestamp);
CREATE INDEX idx_chatlog_username ON chatlog_messages(username);

-- Down
DROP TABLE chatlog_messages;

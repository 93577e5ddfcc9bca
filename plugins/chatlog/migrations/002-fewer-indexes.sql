-- Up
-- The writer keeps every index up to date with each message. An index whose keys come in random order
-- (a user id, a login) cost it more than the rows themselves at a thousand messages a second; one on the
-- increasing timestamp costs little. A login is looked up in the user directory, then by user id.
DROP INDEX idx_chatlog_username;
DROP INDEX idx_chatlog_user;
CREATE INDEX idx_chatlog_user_id ON chatlog_messages(user_id);

-- Down
DROP INDEX idx_chatlog_user_id;
CREATE INDEX idx_chatlog_user ON chatlog_messages(user_id, timestamp);
CREATE INDEX idx_chatlog_username ON chatlog_messages(username);

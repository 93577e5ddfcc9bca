-- Up
-- One row per purchase. The first five columns are the seed's `redemptions` table (username, reward and
-- cost as they were at the time of the purchase); the rest is what the queue and refunds need.
CREATE TABLE shop_redemptions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT NOT NULL,
  reward TEXT NOT NULL,
  cost INTEGER NOT NULL CHECK (cost >= 0),
  created_at INTEGER NOT NULL,
  user_id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  effect TEXT NOT NULL,
  input TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'fulfilled', 'refunded')),
  refund_reason TEXT,
  handled_by TEXT,
  via TEXT NOT NULL DEFAULT 'chat',
  channel TEXT,
  request_key TEXT UNIQUE,
  updated_at INTEGER NOT NULL,
  fulfilled_at INTEGER,
  refunded_at INTEGER
);
CREATE INDEX shop_redemptions_status ON shop_redemptions (status, id);
CREATE INDEX shop_redemptions_user_item ON shop_redemptions (user_id, item_id, created_at);
CREATE INDEX shop_redemptions_created ON shop_redemptions (created_at);

-- Units left of items that have a stock. `configured` is the stock the config had when it was last
-- applied: a different number in the config restocks the item.
CREATE TABLE shop_stock (
  item_id TEXT PRIMARY KEY,
  remaining INTEGER NOT NULL CHECK (remaining >= 0),
  configured INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Units each viewer bought of items with a per-user limit (refunds give them back).
CREATE TABLE shop_user_limits (
  user_id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  bought INTEGER NOT NULL CHECK (bought >= 0),
  PRIMARY KEY (user_id, item_id)
);

-- Down
DROP TABLE shop_user_limits;
DROP TABLE shop_stock;
DROP TABLE shop_redemptions;

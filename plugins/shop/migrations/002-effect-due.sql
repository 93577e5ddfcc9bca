-- Up
-- Set on every new order until its effect has run and its verdict is recorded: an order still marked at
-- start was paid, and a crash came before its effect; the shop runs it then (or refunds it).
ALTER TABLE shop_redemptions ADD COLUMN effect_due INTEGER NOT NULL DEFAULT 0;

-- Down
ALTER TABLE shop_redemptions DROP COLUMN effect_due;

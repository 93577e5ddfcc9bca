-- Up
-- A viewer's totals follow their game rows: each new row of minigames_players adds its play, win and tokens
-- to minigames_stats, unless the game was cancelled (a cancelled game is history, not a play). The end of a
-- game writes the game's status first, then its players. One statement per player instead of two: the
-- winner's announcement waits on fewer trips to SQLite's thread.
CREATE TRIGGER minigames_players_count AFTER INSERT ON minigames_players
WHEN (SELECT status FROM minigames_games WHERE id = NEW.game_id) <> 'cancelled'
BEGIN
  INSERT INTO minigames_stats (user_id, type, plays, wins, tokens_won)
  SELECT NEW.user_id, type, 1, NEW.won, NEW.tokens FROM minigames_games WHERE id = NEW.game_id
  ON CONFLICT (user_id, type) DO UPDATE SET plays = plays + 1, wins = wins + excluded.wins, tokens_won = tokens_won + excluded.tokens_won;
END;

-- Down
DROP TRIGGER minigames_players_count;

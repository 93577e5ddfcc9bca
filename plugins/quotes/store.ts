// The quotes table: one place for its SQL, used by the chat commands and the dashboard page.
import type { PluginContext } from '../../core/types.ts';

export interface Quote {
  readonly id: number;
  readonly text: string;
  readonly addedBy: string;
  readonly createdAt: number;
}

interface QuoteRow {
  id: number;
  text: string;
  added_by: string;
  created_at: number;
}

const toQuote = (r: QuoteRow): Quote => ({ id: r.id, text: r.text, addedBy: r.added_by, createdAt: r.created_at });

export interface QuotesStore {
  byId(id: number): Promise<Quote | undefined>;
  random(): Promise<Quote | undefined>;
  add(text: string, addedBy: string, channel: string): Promise<Quote>;
  update(id: number, text: string): Promise<Quote | undefined>;
  remove(id: number): Promise<boolean>;
  count(): Promise<number>;
  /** Newest first; `search` matches the text or who added it (empty: all). */
  search(search: string, limit: number): Promise<Quote[]>;
}

export function quotesStore(ctx: Pick<PluginContext, 'db' | 'clock'>): QuotesStore {
  const db = ctx.db;
  const store: QuotesStore = {
    async byId(id) {
      const row = await db.get<QuoteRow>('SELECT * FROM quotes_entries WHERE id = ?', [id]);
      return row && toQuote(row);
    },
    async random() {
      const row = await db.get<QuoteRow>('SELECT * FROM quotes_entries ORDER BY random() LIMIT 1');
      return row && toQuote(row);
    },
    async add(text, addedBy, channel) {
      const createdAt = ctx.clock.now();
      const { lastID } = await db.run('INSERT INTO quotes_entries (text, added_by, channel, created_at) VALUES (?, ?, ?, ?)', [text, addedBy, channel, createdAt]);
      return { id: lastID, text, addedBy, createdAt };
    },
    async update(id, text) {
      const { changes } = await db.run('UPDATE quotes_entries SET text = ? WHERE id = ?', [text, id]);
      return changes ? store.byId(id) : undefined;
    },
    async remove(id) {
      return (await db.run('DELETE FROM quotes_entries WHERE id = ?', [id])).changes > 0;
    },
    async count() {
      return (await db.get<{ n: number }>('SELECT count(*) AS n FROM quotes_entries'))?.n ?? 0;
    },
    async search(search, limit) {
      const like = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const rows = search
        ? await db.all<QuoteRow>("SELECT * FROM quotes_entries WHERE text LIKE ? ESCAPE '\\' OR added_by LIKE ? ESCAPE '\\' ORDER BY id DESC LIMIT ?", [like, like, limit])
        : await db.all<QuoteRow>('SELECT * FROM quotes_entries ORDER BY id DESC LIMIT ?', [limit]);
      return rows.map(toQuote);
    },
  };
  return store;
}

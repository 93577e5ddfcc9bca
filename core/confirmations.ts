// Confirmations stored with their change (a transactional outbox). A reply that confirms a change is written
// in the change's own transaction (core_outbox), sent after the commit, and its row deleted once the
// transport has sent it. Whatever a crash, a dropped connection or a stop kept from being sent is still in
// the table at the next start: sent then if still fresh, else logged as given up with its text.
import type { Storage } from './db.ts';
import type { Clock, Logger, OutgoingMessage, SqlTx } from './types.ts';

export interface StoredReply {
  readonly id: number;
  readonly message: OutgoingMessage;
  readonly via?: 'twitch' | 'local';
}

/** What the outbox tells about one reply's fate (each part of a split reply reports on its own). */
export interface Delivery {
  sent(): void;
  givenUp(reason: string): void;
}

interface OutboxRow {
  id: number;
  plugin: string;
  channel: string;
  text: string;
  reply_to: string | null;
  via: string | null;
  created_at: number;
}

/** A reply waiting in its transaction to be written; its id is given when the transaction's replies are. */
interface Unwritten {
  id: number;
  readonly message: OutgoingMessage;
  readonly via?: 'twitch' | 'local';
  readonly at: number;
}

export class StoredReplies {
  /** Replies of each open transaction, written together just before its COMMIT. */
  private readonly unwritten = new WeakMap<SqlTx, Unwritten[]>();

  constructor(
    private readonly storage: Storage,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  /**
   * Stores the reply in the caller's transaction; it exists only if that transaction commits. A group of
   * transfers confirms hundreds at once: one INSERT each was a trip to SQLite's thread each, and those trips,
   * not the transfers, set the group's pace. They are written together, in two statements, before the COMMIT.
   */
  async add(tx: SqlTx, message: OutgoingMessage, via?: 'twitch' | 'local'): Promise<StoredReply> {
    let replies = this.unwritten.get(tx);
    if (!replies) {
      const list: Unwritten[] = (replies = []);
      this.unwritten.set(tx, list);
      tx.beforeCommit(() => this.write(tx, list));
    }
    const reply: Unwritten = { id: 0, message, via, at: this.clock.now() };
    replies.push(reply);
    return reply;
  }

  /** The ids follow the highest in the table, as SQLite's own would (written in the writer's transaction, no one else writes). */
  private async write(tx: SqlTx, replies: Unwritten[]): Promise<void> {
    this.unwritten.delete(tx);
    const top = await tx.get<{ id: number }>('SELECT coalesce(max(id), 0) AS id FROM core_outbox');
    const base = top?.id ?? 0;
    replies.forEach((r, i) => (r.id = base + 1 + i));
    await tx.insertMany(
      'core_outbox',
      ['id', 'plugin', 'channel', 'text', 'reply_to', 'via', 'created_at'],
      replies.map((r) => [r.id, r.message.from, r.message.channel, r.message.text, r.message.replyTo ?? null, r.via ?? null, r.at]),
    );
  }

  /** How the outbox reports on a stored reply: the row goes once it was sent, or given up (logged with why). */
  delivery(reply: StoredReply): Delivery {
    let settled = false;
    const forget = () => {
      if (settled) return;
      settled = true;
      this.storage.run('DELETE FROM core_outbox WHERE id = ?', [reply.id]).catch((err: unknown) => {
        this.log.warn(`could not mark a sent confirmation as sent (it may be sent again at the next start): ${(err as Error).message}`, { text: reply.message.text });
      });
    };
    return {
      sent: forget,
      givenUp: (reason) => {
        if (settled) return;
        this.log.warn(`gave up a confirmation: ${reason}`, { channel: reply.message.channel, from: reply.message.from, text: reply.message.text });
        forget();
      },
    };
  }

  /**
   * The confirmations a previous run stored and did not send. Those younger than `maxAgeMs` are returned to
   * be sent now; older ones are logged as given up (with their text) and deleted, beside the start (`settled()`).
   */
  async unsent(maxAgeMs: number): Promise<StoredReply[]> {
    const now = this.clock.now();
    const cutoff = now - maxAgeMs;
    const rows = await this.storage.all<OutboxRow>('SELECT * FROM core_outbox WHERE created_at >= ? ORDER BY id', [cutoff]);
    const fresh = rows.map((r): StoredReply => ({
      id: r.id,
      message: { channel: r.channel, text: r.text, replyTo: r.reply_to ?? undefined, from: r.plugin },
      via: r.via === 'twitch' || r.via === 'local' ? r.via : undefined,
    }));
    if (fresh.length) this.log.info(`sending ${fresh.length} confirmation(s) the last run could not send`);
    // The stale ones are logged and deleted beside the start, not before `ready`: after a crash in a burst they
    // can be thousands of log lines. Deleted by age, in one statement, whatever their number.
    this.givingUp = this.giveUp(now, maxAgeMs).catch((err: unknown) => this.log.warn(`could not clear the confirmations the last run could not send: ${(err as Error).message}`));
    return fresh;
  }

  /** Resolves once the confirmations `unsent()` found too old are logged and deleted. */
  settled(): Promise<void> {
    return this.givingUp;
  }

  private givingUp: Promise<void> = Promise.resolve();

  private async giveUp(now: number, maxAgeMs: number): Promise<void> {
    const cutoff = now - maxAgeMs;
    const stale = await this.storage.all<OutboxRow>('SELECT * FROM core_outbox WHERE created_at < ? ORDER BY id', [cutoff]);
    if (!stale.length) return;
    for (const r of stale) {
      const age = Math.round((now - r.created_at) / 1000);
      this.log.warn(`gave up a confirmation the last run could not send: it is ${age} s old (bot.unsentReplyMaxAge is ${maxAgeMs / 1000} s)`, { channel: r.channel, from: r.plugin, text: r.text });
    }
    await this.storage.run('DELETE FROM core_outbox WHERE created_at < ?', [cutoff]);
  }
}

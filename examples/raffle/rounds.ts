// The raffle's rounds and tickets: a ticket is an economy escrow, written in the same transaction as its row,
// so a ticket is never paid for without being in the draw (or the other way round).
import type { PluginDb as Db } from 'bakebot/plugin';
import type { EconomyService } from 'bakebot/economy';

export interface Round {
  readonly id: number;
  readonly ticketCost: number;
  readonly endsAt: number;
}

export interface Ticket {
  readonly userId: string;
  readonly escrowId: number;
}

export class Rounds {
  constructor(private readonly db: Db, private readonly economy: EconomyService) {}

  async open(): Promise<Round | undefined> {
    const row = await this.db.get<{ id: number; ticket_cost: number; ends_at: number }>("SELECT id, ticket_cost, ends_at FROM raffle_rounds WHERE state = 'open' ORDER BY id DESC LIMIT 1");
    return row && { id: row.id, ticketCost: row.ticket_cost, endsAt: row.ends_at };
  }

  async start(ticketCost: number, now: number, endsAt: number): Promise<Round> {
    const { lastID } = await this.db.run('INSERT INTO raffle_rounds (ticket_cost, opened_at, ends_at) VALUES (?, ?, ?)', [ticketCost, now, endsAt]);
    return { id: Number(lastID), ticketCost, endsAt };
  }

  tickets(roundId: number): Promise<Ticket[]> {
    return this.db.all<Ticket>('SELECT user_id AS userId, escrow_id AS escrowId FROM raffle_tickets WHERE round_id = ? ORDER BY rowid', [roundId]);
  }

  /** Holds the ticket's price and writes the ticket; false when the viewer already has one. Throws INSUFFICIENT_FUNDS. */
  buy(round: Round, userId: string): Promise<boolean> {
    return this.economy.transaction(async (tx, eco) => {
      if (await tx.get('SELECT 1 FROM raffle_tickets WHERE round_id = ? AND user_id = ?', [round.id, userId])) return false;
      const hold = await eco.hold(userId, round.ticketCost, { reason: `raffle #${round.id} ticket`, source: 'raffle', key: `raffle:${round.id}:ticket:${userId}` });
      await tx.run('INSERT INTO raffle_tickets (round_id, user_id, escrow_id) VALUES (?, ?, ?)', [round.id, userId, hold.id]);
      return true;
    });
  }

  /** Pays every ticket to `winnerId` (one payout, idempotent by its key). */
  async draw(round: Round, winnerId: string, tickets: readonly Ticket[]): Promise<number> {
    const paid = await this.economy.payout(tickets.map((t) => t.escrowId), winnerId, { reason: `won raffle #${round.id}`, source: 'raffle', key: `raffle:${round.id}:payout` });
    await this.db.run("UPDATE raffle_rounds SET state = 'drawn', winner_id = ? WHERE id = ?", [winnerId, round.id]);
    return paid.amount;
  }

  /** Gives every ticket back (too few players, or the bot stopped during the round). */
  async refund(round: Round, tickets: readonly Ticket[]): Promise<void> {
    for (const t of tickets) await this.economy.release(t.escrowId, { reason: `raffle #${round.id} refunded`, source: 'raffle', key: `raffle:${round.id}:refund:${t.userId}` });
    await this.db.run("UPDATE raffle_rounds SET state = 'refunded' WHERE id = ?", [round.id]);
  }
}

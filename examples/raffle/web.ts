// The raffle's dashboard page: the open round and the last ones, built from the dashboard's own classes
// (card, table-wrap, badge with tone-*), so it needs no stylesheet. Added only when the dashboard runs.
import type { DashboardService, SafeHtml } from 'bakebot/dashboard';
import type { PluginDb } from 'bakebot/plugin';

export interface RoundRow {
  readonly id: number;
  readonly ticketCost: number;
  readonly state: 'open' | 'drawn' | 'refunded';
  readonly winner: string | null;
  readonly tickets: number;
}

const TONE = { open: 'tone-warn', drawn: 'tone-ok', refunded: 'tone-idle' } as const;

/** The last rounds, newest first, winners by login (`loginOf`: core's user directory, ctx.users). */
export async function lastRounds(db: Pick<PluginDb, 'all'>, loginOf: (userId: string) => Promise<string | undefined>, limit = 20): Promise<RoundRow[]> {
  const rows = await db.all<RoundRow>(
    `SELECT r.id, r.ticket_cost AS ticketCost, r.state, r.winner_id AS winner,
            (SELECT count(*) FROM raffle_tickets t WHERE t.round_id = r.id) AS tickets
       FROM raffle_rounds r ORDER BY r.id DESC LIMIT ?`,
    [limit],
  );
  return Promise.all(rows.map(async (r) => ({ ...r, winner: r.winner && ((await loginOf(r.winner)) ?? r.winner) })));
}

export function roundsTable(dash: DashboardService, rows: readonly RoundRow[]): SafeHtml {
  if (!rows.length) return dash.html`<section class="card"><p class="muted">No raffle yet: <code>!startraffle</code> opens one.</p></section>`;
  return dash.html`<section class="card"><h2>Raffles</h2><div class="table-wrap"><table>
    <thead><tr><th>#</th><th>Ticket</th><th>Tickets sold</th><th>State</th><th>Winner</th></tr></thead>
    <tbody>${rows.map((r) => dash.html`<tr><td>${r.id}</td><td>${r.ticketCost}</td><td>${r.tickets}</td><td><span class="badge ${TONE[r.state]}">${r.state}</span></td><td>${r.winner ?? '—'}</td></tr>`)}</tbody>
  </table></div></section>`;
}

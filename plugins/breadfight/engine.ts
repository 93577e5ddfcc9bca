// The fight engine: the persisted state machine (challenged -> active -> turn N -> finished) driven by
// commands, chat answers and timers. The database row is the truth; memory holds only the timers and the
// running turns' deadlines, which a hot reload hands over (handOver) and a restart rebuilds (restore).
// Every change of one fight runs through that fight's queue, so an answer, its turn's timeout and a
// moderator's cancel never interleave.
import type { ChatMessage, ChatUser, Owner, PluginContext } from '../../core/types.ts';
import type { EconomyService } from '../economy/service.ts';
import type { MinigamesService } from '../minigames/service.ts';
import { challengeText, recapText, scoreLine, startText, turnText } from './announce.ts';
import type { BreadfightConfig } from './config.ts';
import { acceptFight, settleFight, type Settlement } from './money.ts';
import { clip, describeTurn } from './moves.ts';
import { difficultyOf, drawQuestion, type FightQuestion } from './questions.ts';
import type { FightEvent, FightEventType, FightMove, FightView } from './service.ts';
import { answersOf, attackerOf, cheersOf, movesOf, roundOf, toView, type FightRow } from './store.ts';

interface RunningTurn {
  readonly fightId: number;
  readonly channel: string;
  readonly fighterId: string;
  readonly turn: number;
  readonly deadline: number;
  answered: boolean;
  readonly cancel: () => void;
}

/** What a reload hands the next version: the running turns' deadlines (the rest is in the database). */
interface HandOver {
  readonly kind: 'breadfight';
  readonly version: 1;
  readonly turns: readonly { id: number; turn: number; deadline: number }[];
}

export interface EngineDeps {
  readonly ctx: PluginContext<BreadfightConfig>;
  readonly economy: EconomyService;
  readonly minigames: MinigamesService;
  readonly pool: readonly FightQuestion[];
  readonly random: () => number;
}

export type Engine = ReturnType<typeof createEngine>;

export function createEngine({ ctx, economy, minigames, pool, random }: EngineDeps) {
  const config = ctx.config;
  const fmt = (n: number) => economy.format(n);
  const turns = new Map<number, RunningTurn>();
  const expiries = new Map<number, () => void>();
  const queues = new Map<number, Promise<unknown>>();
  const listeners = new Set<(e: FightEvent) => void | Promise<void>>();

  /** Runs `fn` after everything queued for fight `id`. */
  function serial<T>(id: number, fn: () => Promise<T>): Promise<T> {
    const run = (queues.get(id) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => undefined);
    queues.set(id, tail);
    void tail.then(() => {
      if (queues.get(id) === tail) queues.delete(id);
    });
    return run;
  }

  const readRow = (id: number) => ctx.db.get<FightRow>('SELECT * FROM breadfight_fights WHERE id = ?', [id]);

  async function view(row: FightRow): Promise<FightView> {
    return toView(row, await cheersOf(ctx.db, row.id), turns.get(row.id)?.deadline ?? null);
  }

  async function emit(type: FightEventType, row: FightRow): Promise<void> {
    if (!listeners.size) return;
    const event = { type, fight: await view(row) };
    for (const fn of listeners) {
      try {
        await fn(event);
      } catch (err) {
        ctx.log.warn(`a fight listener failed: ${(err as Error).message}`);
      }
    }
  }

  function say(channel: string, text: string): void {
    ctx.chat.say(channel, clip(text)).catch((err: unknown) => ctx.log.warn(`could not send to #${channel}: ${(err as Error).message}`));
  }

  // ------------------------------------------------------------------ challenges

  function scheduleExpiry(f: FightRow): void {
    expiries.get(f.id)?.();
    expiries.set(f.id, ctx.timers.setTimeout(() => expire(f.id), Math.max(0, f.expires_at - ctx.clock.now())));
  }

  function dropExpiry(id: number): void {
    expiries.get(id)?.();
    expiries.delete(id);
  }

  async function expire(id: number): Promise<void> {
    expiries.delete(id);
    await finish(id, { outcome: 'expired', reason: 'expired', houseCutPercent: 0, from: 'challenged' });
  }

  /** `!breadfight @user [wager]`: the reply for the challenger, or undefined when the challenge was posted. */
  async function challenge(channel: string, challenger: ChatUser, targetLogin: string, wager: number): Promise<string | undefined> {
    const target = await ctx.users.byLogin(targetLogin.toLowerCase());
    if (!target) return `I have not seen ${targetLogin} in chat yet: they need to say something first.`;
    if (target.id === challenger.id) return 'You cannot fight yourself, however stale your bread.';
    if (ctx.users.isBanned(target.id)) return `${target.login} cannot fight.`;
    if (!pool.length) return 'There are no fight questions: the streamer has to add some (or turn includeBuiltin back on).';
    if (wager > 0) {
      const [mine, theirs] = await Promise.all([economy.balance(challenger.id), economy.balance(target.id)]);
      if (mine < wager) return `You need ${fmt(wager)} to wager that; you have ${fmt(mine)}.`;
      if (theirs < wager) return `${target.login} has only ${fmt(theirs)}; pick a smaller wager.`;
    }
    const now = ctx.clock.now();
    const outcome = await ctx.db.transaction(async (tx) => {
      const busy = await tx.get<{ challenger_id: string; opponent_id: string }>(
        "SELECT challenger_id, opponent_id FROM breadfight_fights WHERE state != 'finished' AND (challenger_id IN (?, ?) OR opponent_id IN (?, ?)) LIMIT 1",
        [challenger.id, target.id, challenger.id, target.id],
      );
      if (busy) return { busy: busy.challenger_id === challenger.id || busy.opponent_id === challenger.id ? 'you' : target.login };
      const open = await tx.get<{ n: number }>("SELECT count(*) AS n FROM breadfight_fights WHERE state != 'finished' AND channel = ?", [channel]);
      if ((open?.n ?? 0) >= config.concurrentFights) return { full: true };
      const { lastID } = await tx.run(
        `INSERT INTO breadfight_fights (channel, challenger_id, challenger_login, opponent_id, opponent_login, wager, state, max_rounds, hp_max, hp_challenger, hp_opponent, created_at, expires_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'challenged', ?, ?, ?, ?, ?, ?, ?)`,
        [channel, challenger.id, challenger.login, target.id, target.login, wager, config.maxRounds, config.hp, config.hp, config.hp, now, now + config.fightTimeout * 1000, now],
      );
      return { row: (await tx.get<FightRow>('SELECT * FROM breadfight_fights WHERE id = ?', [lastID])) as FightRow };
    });
    if ('busy' in outcome) return outcome.busy === 'you' ? 'You are already in a bread fight (or a challenge).' : `${outcome.busy} is already in a bread fight.`;
    if ('full' in outcome) return config.concurrentFights === 1 ? 'A bread fight is already on in this channel: wait for it to end.' : `${config.concurrentFights} bread fights are already on in this channel.`;
    scheduleExpiry(outcome.row);
    say(channel, challengeText(outcome.row, config.fightTimeout, fmt));
    await emit('challenged', outcome.row);
    return undefined;
  }

  const openChallengeFor = (userId: string, channel: string) =>
    ctx.db.get<FightRow>("SELECT * FROM breadfight_fights WHERE state = 'challenged' AND channel = ? AND (opponent_id = ? OR challenger_id = ?) ORDER BY id DESC LIMIT 1", [channel, userId, userId]);

  /** `!accept`: the reply when the fight did not start. */
  async function accept(channel: string, user: ChatUser): Promise<string | undefined> {
    const f = await openChallengeFor(user.id, channel);
    if (!f || f.opponent_id !== user.id) return 'No one has challenged you to a bread fight.';
    return serial(f.id, async () => {
      const result = await acceptFight(economy, f.id, ctx.clock.now());
      if (!result.ok) {
        if (result.reason === 'gone') return 'That challenge is no longer open.';
        if (result.reason === 'expired') {
          dropExpiry(f.id);
          await finish(f.id, { outcome: 'expired', reason: 'expired', houseCutPercent: 0, from: 'challenged' }, true);
          return undefined;
        }
        if (result.reason === 'opponent-broke') return `You need ${fmt(f.wager)} to accept.`;
        // The challenger cannot pay (or may not take part any more): the challenge is off.
        await finish(f.id, { outcome: 'cancelled', reason: 'cancelled', houseCutPercent: 0, from: 'challenged' }, true);
        return result.reason === 'excluded'
          ? `${result.login ?? 'Someone'} is not part of the economy, so the fight is off.`
          : `${f.challenger_login} no longer has ${fmt(f.wager)}, so the fight is off.`;
      }
      dropExpiry(f.id);
      say(channel, startText(result.row, fmt));
      await emit('accepted', result.row);
      await startTurn(result.row, false);
      return undefined;
    });
  }

  /** `!decline`: the challenged viewer says no, or the challenger takes the challenge back. */
  async function decline(channel: string, user: ChatUser): Promise<string | undefined> {
    const f = await openChallengeFor(user.id, channel);
    if (!f) return 'You have no open bread fight challenge.';
    const done = await finish(f.id, { outcome: 'declined', reason: 'declined', houseCutPercent: 0, from: 'challenged' });
    return done ? undefined : 'That challenge is no longer open.';
  }

  // ------------------------------------------------------------------ turns

  function schedule(f: FightRow, deadline: number): void {
    turns.get(f.id)?.cancel();
    const turn = f.turn;
    const cancel = ctx.timers.setTimeout(() => resolveTurn(f.id, turn, null), Math.max(0, deadline - ctx.clock.now()));
    turns.set(f.id, { fightId: f.id, channel: f.channel, fighterId: attackerOf(f).id, turn, deadline, answered: false, cancel });
  }

  function dropTurn(id: number): void {
    turns.get(id)?.cancel();
    turns.delete(id);
  }

  /** Asks the active fighter a question (the stored one again when resuming) and starts the turn's clock. */
  async function startTurn(f: FightRow, resumed: boolean): Promise<void> {
    let question = f.question;
    let difficulty = f.difficulty;
    if (!question || !difficulty) {
      const asked = new Set(movesOf(f).map((m) => m.questionId));
      const q = drawQuestion(pool, difficultyOf(roundOf(f.turn)), asked, random);
      if (!q) {
        await finish(f.id, { outcome: 'cancelled', reason: 'cancelled (no questions left)', houseCutPercent: 0, from: 'active' }, true);
        return;
      }
      const { changes } = await ctx.db.run(
        "UPDATE breadfight_fights SET question_id = ?, question = ?, answers = ?, difficulty = ?, updated_at = ? WHERE id = ? AND state = 'active' AND turn = ?",
        [q.id, q.question, JSON.stringify(q.answers), q.difficulty, ctx.clock.now(), f.id, f.turn],
      );
      if (!changes) return;
      question = q.question;
      difficulty = q.difficulty;
    } else if (resumed) {
      await ctx.db.run('UPDATE breadfight_fights SET updated_at = ? WHERE id = ?', [ctx.clock.now(), f.id]);
    }
    const row = { ...f, question, difficulty };
    schedule(row, ctx.clock.now() + config.turnTime * 1000);
    say(f.channel, turnText(row, question, difficulty, config.turnTime, resumed));
    await emit('turn', row);
  }

  /** A fighter's chat message while it is their turn: their answer (the first message counts). */
  function onChat(m: ChatMessage): void {
    if (m.text.startsWith(ctx.bot.prefix)) return;
    for (const t of turns.values()) {
      if (t.channel !== m.channel || t.fighterId !== m.user.id || t.answered) continue;
      t.answered = true;
      void resolveTurn(t.fightId, t.turn, m.text).catch((err: unknown) => ctx.log.error(`fight #${t.fightId}: ${(err as Error).message}`));
      return;
    }
  }

  /** Scores turn `turn` of fight `id` with `answer` (null: time ran out), then asks the next or ends the fight. */
  function resolveTurn(id: number, turn: number, answer: string | null): Promise<void> {
    return serial(id, async () => {
      const f = await readRow(id);
      if (!f || f.state !== 'active') return;
      if (f.turn !== turn || !f.difficulty) {
        // A stale call (the turn was already scored) is normal; but a running fight with no turn of ours is a
        // turn the previous version was still writing when it was reloaded: ask it here.
        if (!turns.has(id)) await startTurn(f, Boolean(f.question));
        return;
      }
      dropTurn(id);
      const answers = answersOf(f);
      const match = answer === null ? { accuracy: 0, hit: false } : minigames.match(answer, answers, config.accuracyThreshold);
      const attacker = attackerOf(f);
      const defender = attackerOf(f, turn + 1);
      const difficulty = Math.min(3, Math.max(1, f.difficulty)) as 1 | 2 | 3;
      const kind = match.hit ? 'hit' : answer === null ? 'timeout' : 'miss';
      const told = describeTurn(kind, { attacker: attacker.login, defender: defender.login }, difficulty, answers[0] ?? '?', random);
      const hp = { challenger: f.hp_challenger, opponent: f.hp_opponent };
      hp[defender.side] = Math.max(0, hp[defender.side] - told.damage);
      const move: FightMove = { turn, round: roundOf(turn), attacker: attacker.login, result: kind, difficulty, accuracy: match.accuracy, damage: told.damage, move: told.move, text: told.text, questionId: f.question_id ?? '' };
      const moves = [...movesOf(f), move];
      const next = turn + 1;
      const scored = { ...f, hp_challenger: hp.challenger, hp_opponent: hp.opponent };
      if (hp[defender.side] === 0 || next >= f.max_rounds * 2) {
        say(f.channel, told.text);
        const winner = hp.challenger === hp.opponent ? undefined : hp.challenger > hp.opponent ? f.challenger_id : f.opponent_id;
        await finish(id, { outcome: winner ? 'win' : 'draw', ...(winner ? { winnerId: winner } : {}), moves, hp, houseCutPercent: config.houseCut, reason: 'draw', from: 'active' }, true);
        return;
      }
      const { changes } = await ctx.db.run(
        `UPDATE breadfight_fights SET turn = ?, hp_challenger = ?, hp_opponent = ?, moves = ?, question = NULL, question_id = NULL, answers = NULL, difficulty = NULL, updated_at = ?
         WHERE id = ? AND state = 'active' AND turn = ?`,
        [next, hp.challenger, hp.opponent, JSON.stringify(moves), ctx.clock.now(), id, turn],
      );
      if (!changes) return;
      say(f.channel, `${told.text} ${scoreLine(scored)}`);
      const updated = { ...scored, turn: next, moves: JSON.stringify(moves), question: null, question_id: null, answers: null, difficulty: null };
      await emit('move', updated);
      await startTurn(updated, false);
    });
  }

  // ------------------------------------------------------------------ spectators

  /** `!cheer @fighter`: one cheer per spectator and fight, counted in the recap. */
  async function cheer(channel: string, user: ChatUser, fighterLogin: string): Promise<string> {
    const login = fighterLogin.toLowerCase();
    const f = await ctx.db.get<FightRow>(
      "SELECT * FROM breadfight_fights WHERE state != 'finished' AND channel = ? AND (challenger_login = ? OR opponent_login = ?) ORDER BY id DESC LIMIT 1",
      [channel, login, login],
    );
    if (!f) return `${fighterLogin} is not in a bread fight right now.`;
    if (user.id === f.challenger_id || user.id === f.opponent_id) return 'Fighters fight; the crowd cheers. Focus on your bread!';
    const fighterId = login === f.challenger_login ? f.challenger_id : f.opponent_id;
    const { changes } = await ctx.db.run('INSERT OR IGNORE INTO breadfight_cheers (fight_id, user_id, login, fighter_id, at) VALUES (?, ?, ?, ?, ?)', [f.id, user.id, user.login, fighterId, ctx.clock.now()]);
    if (!changes) return 'You already cheered in this fight.';
    await emit('cheer', (await readRow(f.id)) ?? f);
    return `You cheer for ${login}! 📣`;
  }

  // ------------------------------------------------------------------ the end

  /** Settles fight `id` (money, stats, row) once, then tells chat; false when it was already over. */
  async function finish(id: number, s: Settlement, queued = false): Promise<boolean> {
    const run = async () => {
      const done = await settleFight(economy, id, s, ctx.clock.now());
      if (!done) return false;
      dropTurn(id);
      dropExpiry(id);
      say(done.channel, recapText(done, await cheersOf(ctx.db, id), fmt));
      await emit('finished', done);
      return true;
    };
    return queued ? run() : serial(id, run);
  }

  /** A moderator's (or the dashboard's) stop: both wagers go back. */
  async function cancel(id: number, actor: string): Promise<FightRow | undefined> {
    const f = await readRow(id);
    if (!f || f.state === 'finished') return undefined;
    ctx.log.info(`fight #${id} cancelled by ${actor}`);
    await finish(id, { outcome: 'cancelled', reason: `cancelled by ${actor}`, houseCutPercent: 0 });
    return readRow(id);
  }

  // ------------------------------------------------------------------ reload and restart

  function handOver(): HandOver {
    return { kind: 'breadfight', version: 1, turns: [...turns.values()].map((t) => ({ id: t.fightId, turn: t.turn, deadline: t.deadline })) };
  }

  function handedTurns(inherited: unknown): Map<number, { turn: number; deadline: number }> | undefined {
    const h = inherited as Partial<HandOver> | undefined;
    if (!h || h.kind !== 'breadfight' || h.version !== 1 || !Array.isArray(h.turns)) return undefined;
    const out = new Map<number, { turn: number; deadline: number }>();
    for (const t of h.turns) if (Number.isSafeInteger(t?.id) && Number.isSafeInteger(t?.turn) && Number.isFinite(t?.deadline)) out.set(t.id, { turn: t.turn, deadline: t.deadline });
    return out;
  }

  /**
   * Picks up the fights that were on when this version started. After a hot reload (something handed over)
   * a running turn keeps its clock; after a restart each fight asks its current question again with a fresh
   * clock, unless its last move is older than `resumeWithinSeconds`: then both wagers go back.
   */
  async function restore(inherited: unknown): Promise<void> {
    const handed = handedTurns(inherited);
    const now = ctx.clock.now();
    const open = await ctx.db.all<FightRow>("SELECT * FROM breadfight_fights WHERE state != 'finished' ORDER BY id");
    for (const f of open) {
      if (f.state === 'challenged') {
        if (f.expires_at <= now) await expire(f.id);
        else scheduleExpiry(f);
        continue;
      }
      const h = handed?.get(f.id);
      if (h && h.turn === f.turn && f.question) {
        schedule(f, h.deadline);
        continue;
      }
      if (!handed && now - f.updated_at > config.resumeWithinSeconds * 1000) {
        await finish(f.id, { outcome: 'refunded', reason: 'interrupted by a restart', houseCutPercent: 0, from: 'active' });
        continue;
      }
      await serial(f.id, () => startTurn(f, !handed));
    }
  }

  return {
    challenge,
    cheer,
    accept,
    decline,
    cancel,
    onChat,
    restore,
    handOver,
    view,
    readRow,
    /** Fights with a running turn, for the API's `endsAt`. */
    deadline: (id: number) => turns.get(id)?.deadline ?? null,
    onFight(owner: Owner, fn: (e: FightEvent) => void | Promise<void>): () => void {
      listeners.add(fn);
      const remove = () => void listeners.delete(fn);
      owner.onDispose(remove);
      return remove;
    },
    /** Waits until everything queued for every fight has run (tests, shutdown). */
    async idle(): Promise<void> {
      while (queues.size) await Promise.all([...queues.values()]);
    },
  };
}

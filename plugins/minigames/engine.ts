// The game engine: the registry of game types, at most one running game per channel, and everything a game
// type does not want to write itself — its row saved at every step, its deadline timer, answers from plain
// chat handled one at a time, entry fees in escrow, and one transaction that ends it and pays (finish.ts).
// A running game survives a hot reload (hand-over) and a restart (its row); see restore().
import type { ChatMessage, Owner } from '../../core/types.ts';
import type { EconomyService } from '../economy/service.ts';
import type { MinigamesContext } from './config.ts';
import { finishGame, rewardPlayers } from './finish.ts';
import type { WinJournal } from './journal.ts';
import { matchAnswer } from './matcher.ts';
import type { QuestionQuery, TriviaQuestion } from './questions.ts';
import type {
  GameAnswer, GameDefinition, GameEntry, GameErrorCode, GameInfo, GameOutcome, GamePlayer, GameSetup, GameStarter, GameTypeInfo, GameView, RunningGame, StartRequest,
} from './service.ts';
import { infoOf, parseJson, starterOf, type GameRow, type TypeLookup } from './store.ts';

export class GameFailure extends Error {
  override name = 'GameError';
  constructor(
    readonly code: GameErrorCode,
    message: string,
    readonly details?: readonly string[],
  ) {
    super(message);
  }
}

const TYPE_NAME = /^[a-z0-9_]{1,32}$/;
/** Waits before a said win's transaction is tried again: soon at first, then about a minute and a half in all. */
const WIN_RETRY_MS = [250, 1000, 4000, 15_000, 60_000];

interface Registered {
  readonly def: GameDefinition<unknown>;
  readonly provider: string;
}

/** A running game in memory: its row's fields plus what is not worth a write per chat message. */
export interface Live {
  readonly id: number;
  readonly type: string;
  readonly channel: string;
  readonly startedBy: GameStarter;
  readonly startedAt: number;
  reg: Registered | undefined;
  state: unknown;
  deadline: number | null;
  rng: number;
  step: number;
  answers: number;
  readonly once: Set<string>;
  readonly waits: Map<string, number>;
  readonly players: Map<string, GamePlayer>;
  queue: Promise<void>;
  cancelTimer: (() => void) | undefined;
  ended: boolean;
  /** Whether entry fees may be held (a hold was asked, or the game is restored): else its end reads no entries. */
  mayHoldFees: boolean;
  /** Wall-clock time (performance.now) of the last live update to the dashboard, and one waiting. */
  publishedAt: number;
  publishWaiting: boolean;
}

/** What a reload hands the next version (validated there: it may come from an older one). */
interface HandedGame {
  id: number;
  once: string[];
  waits: [string, number][];
  players: GamePlayer[];
  answers: number;
}

/** mulberry32: small, seedable, and its whole state is one 32-bit number saved with the game. */
export function nextRandom(live: { rng: number }): number {
  live.rng = (live.rng + 0x6d2b79f5) >>> 0;
  let t = live.rng;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

export interface EngineDeps {
  readonly economy: EconomyService;
  readonly questions: (query: QuestionQuery, random: () => number) => TriviaQuestion[];
  /** Wins said before their transaction (journal.ts). */
  readonly journal: WinJournal;
  /** Tells open dashboards (the event stream); no-op without the dashboard. */
  readonly publish: (event: string, data: unknown) => void;
}

export class Engine {
  private readonly registry = new Map<string, Registered>();
  private readonly lives = new Map<string, Live>();
  private readonly starting = new Set<string>();
  private readonly endListeners = new Set<(game: GameInfo) => void | Promise<void>>();
  /** Lines said before the bot's chat exists (a game resumed or cancelled at start), sent once it is ready. */
  private pending: { channel: string; text: string }[] = [];
  readonly lookup: TypeLookup = {
    title: (type) => this.registry.get(type)?.def.title ?? type,
    view: (type, state, over) => {
      const def = this.registry.get(type)?.def;
      try {
        return def?.view?.(state, over) ?? {};
      } catch {
        return {};
      }
    },
  };

  constructor(
    private readonly ctx: MinigamesContext,
    private readonly deps: EngineDeps,
  ) {}

  get settings() {
    return { gameTimeout: this.ctx.config.gameTimeout, answerAccuracy: this.ctx.config.answerAccuracy };
  }

  defaultChannel(): string {
    return this.ctx.chat.channels[0] ?? 'local';
  }

  // ------------------------------------------------------------------ registry

  register<S>(owner: Owner, def: GameDefinition<S>): () => void {
    if (!def || typeof def !== 'object') throw new GameFailure('INVALID', 'a game type needs a definition');
    if (typeof def.type !== 'string' || !TYPE_NAME.test(def.type)) throw new GameFailure('INVALID', `game type ${JSON.stringify(def.type)} must be lower case letters, digits or _ (at most 32)`);
    for (const fn of ['create', 'start', 'timeout'] as const) {
      if (typeof def[fn] !== 'function') throw new GameFailure('INVALID', `game type "${def.type}" needs a ${fn}() function`);
    }
    const taken = this.registry.get(def.type);
    if (taken) throw new GameFailure('TYPE_TAKEN', `game type "${def.type}" is already provided by plugin ${taken.provider}`);
    const reg: Registered = { def: def as GameDefinition<unknown>, provider: owner.name };
    this.registry.set(def.type, reg);
    // A game of this type waiting since a restart or its provider's reload carries on now.
    for (const live of this.lives.values()) {
      if (live.type === def.type && !live.reg && !live.ended) {
        live.reg = reg;
        this.enqueue(live, () => reg.def.resume?.(this.handle(live)));
      }
    }
    let removed = false;
    const remove = () => {
      if (removed) return;
      removed = true;
      if (this.registry.get(def.type) !== reg) return;
      this.registry.delete(def.type);
      // Its running game waits for the type to come back (a reload of its plugin) until its deadline.
      for (const live of this.lives.values()) if (live.reg === reg) live.reg = undefined;
    };
    owner.onDispose(remove);
    return remove;
  }

  types(): GameTypeInfo[] {
    return [...this.registry.values()]
      .map(({ def, provider }) => ({ type: def.type, title: def.title, description: def.description, usage: def.usage ?? '', provider }))
      .sort((a, b) => a.type.localeCompare(b.type));
  }

  has(type: string): boolean {
    return this.registry.has(type);
  }

  // ------------------------------------------------------------------ starting and stopping

  running(channel = this.defaultChannel()): GameInfo | undefined {
    const live = this.lives.get(channel);
    return live && !live.ended ? this.info(live) : undefined;
  }

  live(channel: string): Live | undefined {
    const live = this.lives.get(channel);
    return live && !live.ended ? live : undefined;
  }

  async start(request: StartRequest): Promise<GameInfo> {
    const reg = this.registry.get(String(request.type ?? '').toLowerCase());
    if (!reg) throw new GameFailure('UNKNOWN_GAME', `there is no game "${String(request.type)}" (games: ${this.types().map((t) => t.type).join(', ') || 'none'})`);
    const channel = (request.channel ?? this.defaultChannel()).replace(/^#/, '').toLowerCase();
    if (this.live(channel) || this.starting.has(channel)) throw new GameFailure('GAME_RUNNING', `a game of ${this.lives.get(channel)?.reg?.def.title ?? 'something'} is already running`);
    this.starting.add(channel);
    try {
      const startedBy = request.startedBy ?? { kind: 'plugin', name: 'a plugin' };
      const seed = Number.isSafeInteger(request.seed) ? (request.seed as number) >>> 0 : Math.floor(Math.random() * 2 ** 32);
      const draft = { rng: seed };
      const setup: GameSetup = {
        options: request.options ?? {},
        args: request.args ?? [],
        channel,
        startedBy,
        settings: this.settings,
        random: () => nextRandom(draft),
        questions: (query = {}) => this.deps.questions(query, () => nextRandom(draft)),
        fail: (reason) => {
          throw new GameFailure('BAD_OPTIONS', reason);
        },
      };
      const state = await reg.def.create(setup);
      const now = this.ctx.clock.now();
      let id: number;
      try {
        ({ lastID: id } = await this.ctx.db.run(
          "INSERT INTO minigames_games (channel, type, provider, status, options, state, rng, started_by, started_at) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)",
          [channel, reg.def.type, reg.provider, JSON.stringify(request.options ?? { args: request.args ?? [] }), JSON.stringify(state ?? null), draft.rng, JSON.stringify(startedBy), now],
        ));
      } catch (err) {
        if (/UNIQUE/i.test((err as Error).message)) throw new GameFailure('GAME_RUNNING', 'a game is already running');
        throw err;
      }
      const live: Live = {
        id, type: reg.def.type, channel, startedBy, startedAt: now, reg, state, deadline: null, rng: draft.rng, step: 0, answers: 0,
        once: new Set(), waits: new Map(), players: new Map(), queue: Promise.resolve(), cancelTimer: undefined, ended: false, mayHoldFees: false, publishedAt: 0, publishWaiting: false,
      };
      this.lives.set(channel, live);
      this.ctx.log.info(`${reg.def.title} #${id} started in #${channel} by ${startedBy.name}`);
      try {
        await this.enqueue(live, () => reg.def.start(this.handle(live)));
      } catch (err) {
        // A game that cannot begin must not hold the channel (or anyone's fee).
        await this.enqueue(live, () => this.finish(live, { status: 'cancelled' })).catch(() => undefined);
        throw err;
      }
      if (live.ended) return (await this.infoById(id)) ?? this.info(live, 'cancelled');
      this.deps.publish('game', this.info(live));
      return this.info(live);
    } finally {
      this.starting.delete(channel);
    }
  }

  /** Cancels the running game of a channel and returns every fee. */
  async stop(channel = this.defaultChannel(), by = 'a moderator'): Promise<GameInfo | undefined> {
    const live = this.live(channel.replace(/^#/, '').toLowerCase());
    if (!live) return undefined;
    const title = live.reg?.def.title ?? live.type;
    let info: GameInfo | undefined;
    await this.enqueue(live, async () => {
      if (live.ended) return;
      await this.finish(live, { status: 'cancelled', text: `${title} was stopped by ${by}.${(await this.entryCount(live)) ? ' Every entry fee is returned.' : ''}` });
      info = this.info(live, 'cancelled');
    });
    return info;
  }

  onEnded(owner: Owner, fn: (game: GameInfo) => void | Promise<void>): () => void {
    this.endListeners.add(fn);
    const remove = () => void this.endListeners.delete(fn);
    owner.onDispose(remove);
    return remove;
  }

  /** Says a line now, or once chat is up: at the bot's start plugins are set up before any transport exists. */
  private say(channel: string, text: string): Promise<void> {
    if (this.ctx.chat.status !== 'stopped') return this.ctx.chat.say(channel, text);
    this.pending.push({ channel, text });
    return Promise.resolve();
  }

  /** Chat is flowing (the `ready` hook): what waited is said. */
  async chatReady(): Promise<void> {
    const lines = this.pending;
    this.pending = [];
    for (const l of lines) await this.ctx.chat.say(l.channel, l.text);
  }

  // ------------------------------------------------------------------ answers and joins from chat

  /**
   * A chat message: an answer to the channel's running game, when it reads answers. Excluded and banned
   * viewers are dropped here (both are known in memory: busy chat never waits on a read per message).
   */
  onChat(m: ChatMessage): void {
    const live = this.lives.get(m.channel);
    if (!live || live.ended || !live.reg?.def.answer) return;
    if (m.text.startsWith(this.ctx.bot.prefix) || !this.eligible(m.user.id)) return;
    this.enqueue(live, async () => {
      const def = live.reg?.def;
      if (live.ended || !def?.answer) return;
      live.answers += 1;
      await def.answer(this.handle(live), this.answerOf(m));
      this.publishSoon(live);
    }).catch(() => undefined);
  }

  /** The game's own command while it runs (`!heist 50` joins); false when the running game takes no joins. */
  async join(channel: string, type: string, m: ChatMessage, args: readonly string[], reply: (text: string) => Promise<void>): Promise<boolean> {
    const live = this.live(channel);
    if (!live || live.type !== type || !live.reg?.def.join) return false;
    await this.enqueue(live, async () => {
      const def = live.reg?.def;
      if (live.ended || !def?.join) return;
      if (!this.eligible(m.user.id)) return reply('you cannot take part in games on this channel.');
      await def.join(this.handle(live), { ...this.answerOf(m), reply }, args);
    });
    return true;
  }

  private answerOf(m: ChatMessage): GameAnswer {
    return { user: m.user, text: m.text, message: m, reply: (text) => this.ctx.chat.reply(m, text), eligible: () => Promise.resolve(this.eligible(m.user.id)) };
  }

  /** Neither banned nor excluded from the economy (at this moment: a ban during a game counts at once). */
  eligible(userId: string): boolean {
    return !this.ctx.users.isBanned(userId) && !this.deps.economy.isExcluded(userId);
  }

  // ------------------------------------------------------------------ the handle a game type works with

  /** Runs `fn` after everything already queued for this game: a game sees one event at a time. */
  enqueue(live: Live, fn: () => unknown): Promise<void> {
    const run = live.queue.then(async () => {
      try {
        await fn();
      } catch (err) {
        if (err instanceof GameFailure || (err as { code?: string }).code) throw err;
        this.ctx.log.error(`game ${live.type} #${live.id} failed: ${(err as Error).message}`, { stack: (err as Error).stack });
        throw err;
      }
    });
    live.queue = run.catch(() => undefined);
    return run;
  }

  handle(live: Live): RunningGame<unknown> {
    const ctx = this.ctx;
    return {
      id: live.id,
      type: live.type,
      channel: live.channel,
      get state() {
        return live.state;
      },
      get deadline() {
        return live.deadline;
      },
      startedBy: live.startedBy,
      settings: this.settings,
      random: () => nextRandom(live),
      update: (state, deadlineInMs) => this.update(live, state, deadlineInMs),
      say: (text) => this.say(live.channel, text),
      match: (given, accepted, accuracy = ctx.config.answerAccuracy) => matchAnswer(given, accepted, accuracy),
      once: (key) => (live.once.has(key) ? false : (live.once.add(key), true)),
      wait(key, seconds) {
        const now = ctx.clock.now();
        const until = live.waits.get(key) ?? 0;
        if (until > now) return until - now;
        live.waits.set(key, now + seconds * 1000);
        return 0;
      },
      participate: (player) => {
        if (!live.players.has(player.userId)) live.players.set(player.userId, { userId: player.userId, login: player.login, displayName: player.displayName });
      },
      hold: (player, amount) => this.hold(live, player, amount),
      entries: () => this.entries(live.id),
      finish: (outcome) => this.finish(live, outcome),
    };
  }

  private async update(live: Live, state: unknown, deadlineInMs?: number | null): Promise<void> {
    if (live.ended) return;
    live.state = state;
    if (deadlineInMs !== undefined) live.deadline = deadlineInMs === null ? null : this.ctx.clock.now() + Math.max(0, deadlineInMs);
    live.step += 1;
    await this.ctx.db.run("UPDATE minigames_games SET state = ?, step = ?, deadline = ?, rng = ?, answers = ? WHERE id = ? AND status = 'running'", [
      JSON.stringify(state ?? null), live.step, live.deadline, live.rng, live.answers, live.id,
    ]);
    this.arm(live);
    live.publishedAt = performance.now();
    this.deps.publish('game', this.info(live));
  }

  /**
   * Answers so far, to open dashboards: at once when the last update is 250 ms old (wall clock), else once
   * 250 ms later, so busy chat costs the page a few updates a second, not one per message.
   */
  private publishSoon(live: Live): void {
    if (live.ended || live.publishWaiting) return;
    const since = performance.now() - live.publishedAt;
    const send = () => {
      live.publishWaiting = false;
      live.publishedAt = performance.now();
      if (!live.ended) this.deps.publish('game', this.info(live));
    };
    if (since >= 250) return send();
    live.publishWaiting = true;
    this.ctx.timers.setTimeout(send, 250 - since);
  }

  /** Sets the timer for the game's deadline; a game whose type is gone is cancelled then. */
  private arm(live: Live): void {
    live.cancelTimer?.();
    live.cancelTimer = undefined;
    if (live.deadline === null || live.ended) return;
    const at = live.deadline;
    live.cancelTimer = this.ctx.timers.setTimeout(() => {
      void this.enqueue(live, async () => {
        if (live.ended || live.deadline !== at) return;
        const def = live.reg?.def;
        if (!def) return this.finish(live, { status: 'cancelled', text: `The ${live.type} game ended: its plugin is not running. Every entry fee is returned.` });
        await def.timeout(this.handle(live));
      }).catch(() => undefined);
    }, Math.max(0, at - this.ctx.clock.now()));
  }

  private async hold(live: Live, player: GamePlayer, amount: number): Promise<GameEntry> {
    const title = live.reg?.def.title ?? live.type;
    live.mayHoldFees = true;
    return this.deps.economy.transaction(async (tx, eco) => {
      const row = await tx.get<{ status: string }>('SELECT status FROM minigames_games WHERE id = ?', [live.id]);
      if (row?.status !== 'running') throw new GameFailure('NO_GAME', `${title} is over`);
      const had = await tx.get<{ escrow_id: number; amount: number }>('SELECT escrow_id, amount FROM minigames_entries WHERE game_id = ? AND user_id = ?', [live.id, player.userId]);
      if (had) return { ...player, escrowId: had.escrow_id, amount: had.amount };
      const escrow = await eco.hold(player.userId, amount, {
        reason: `${title} #${live.id} entry`, source: 'minigames', key: `minigames:game:${live.id}:entry:${player.userId}`, actor: player.userId,
      });
      await tx.run('INSERT INTO minigames_entries (game_id, user_id, login, display_name, escrow_id, amount, joined_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        live.id, player.userId, player.login, player.displayName, escrow.id, amount, this.ctx.clock.now(),
      ]);
      tx.afterCommit(() => {
        if (!live.players.has(player.userId)) live.players.set(player.userId, { userId: player.userId, login: player.login, displayName: player.displayName });
      });
      return { ...player, escrowId: escrow.id, amount };
    });
  }

  async entries(gameId: number): Promise<GameEntry[]> {
    const rows = await this.ctx.db.all<{ user_id: string; login: string; display_name: string; escrow_id: number; amount: number }>(
      'SELECT user_id, login, display_name, escrow_id, amount FROM minigames_entries WHERE game_id = ? ORDER BY joined_at, rowid', [gameId],
    );
    return rows.map((r) => ({ userId: r.user_id, login: r.login, displayName: r.display_name, escrowId: r.escrow_id, amount: r.amount }));
  }

  private async entryCount(live: Live): Promise<number> {
    return (await this.ctx.db.get<{ n: number }>('SELECT count(*) AS n FROM minigames_entries WHERE game_id = ?', [live.id]))?.n ?? 0;
  }

  /**
   * Ends a game in one transaction (finish.ts), then tells chat, the dashboard and listeners. A plain win (no
   * fees, nothing to settle) is written to the journal first and said before its transaction (journal.ts).
   */
  private async finish(live: Live, outcome: GameOutcome): Promise<void> {
    if (live.ended) return;
    if (outcome.winners?.length) {
      // The safety net under `answer.eligible()`: an excluded or banned viewer is never paid.
      outcome = { ...outcome, winners: outcome.winners.filter((w) => this.eligible(w.userId)) };
    }
    live.ended = true;
    live.cancelTimer?.();
    const title = live.reg?.def.title ?? live.type;
    if (this.writeDown(live, outcome, title)) {
      if (this.lives.get(live.channel) === live) this.lives.delete(live.channel);
      // The transaction starts once the line is handed to chat: its trips to SQLite's thread do not compete
      // with the announcement's way out.
      let notSaid: unknown;
      const said = this.announce(live, outcome).catch((err: unknown) => void (notSaid = err ?? new Error('the announcement failed')));
      const ended = await this.deps.journal.track(said.then(() => this.commitWritten(live, outcome, title)));
      if (notSaid) throw notSaid;
      if (!ended) return;
    } else {
      try {
        const done = await finishGame(this.ctx, this.deps.economy, live, outcome, title);
        if (!done) return; // ended before (a retry): nothing paid twice
      } catch (err) {
        live.ended = false;
        this.arm(live);
        throw err;
      }
      if (this.lives.get(live.channel) === live) this.lives.delete(live.channel);
      await this.announce(live, outcome);
    }
    await rewardPlayers(this.deps.economy, live, outcome.status, title, (id) => this.eligible(id)).catch((err: Error) => this.ctx.log.error(`${title} #${live.id}: players not rewarded: ${err.message}`));
    const info = (await this.infoById(live.id)) ?? this.info(live, outcome.status);
    this.deps.publish('game', info);
    for (const fn of this.endListeners) {
      try {
        await fn(info);
      } catch (err) {
        this.ctx.log.error(`a game-ended listener failed: ${(err as Error).message}`);
      }
    }
  }

  private announce(live: Live, outcome: GameOutcome): Promise<void> {
    if (!outcome.text) return Promise.resolve();
    return outcome.replyTo ? this.ctx.chat.reply(outcome.replyTo, outcome.text) : this.say(live.channel, outcome.text);
  }

  /**
   * Writes a plain win down before it is said: one that holds no fees and settles nothing in its transaction,
   * so the journal's line is all its end needs. False for any other end (then it commits before it is said).
   */
  private writeDown(live: Live, outcome: GameOutcome, title: string): boolean {
    if (outcome.status === 'cancelled' || outcome.settle || live.mayHoldFees || !outcome.text || !outcome.winners?.length) return false;
    return this.deps.journal.record({
      gameId: live.id, title, status: outcome.status, answer: outcome.answer ?? null, text: outcome.text, state: live.state ?? null, rng: live.rng, answers: live.answers,
      winners: outcome.winners.map((w) => ({ ...w })),
    });
  }

  /**
   * The transaction of a win already said. A failure (a busy or full disk) is tried again while the plugin
   * runs, so the winner need not wait for a restart to see the tokens; the win stays in the journal until one
   * attempt commits, and a start pays it if none did (finishGame pays a game once, however often it is tried).
   */
  private async commitWritten(live: Live, outcome: GameOutcome, title: string): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        const done = await finishGame(this.ctx, this.deps.economy, live, outcome, title);
        this.deps.journal.settled(live.id);
        if (attempt) this.ctx.log.info(`${title} #${live.id}: the win is saved (attempt ${attempt + 1})`);
        return done;
      } catch (err) {
        const wait = WIN_RETRY_MS[attempt];
        const why = (err as Error)?.message ?? String(err);
        if (wait === undefined || this.ctx.signal.aborted) {
          this.ctx.log.error(`${title} #${live.id}: the win was said but not saved (${why}); it stays in ${this.deps.journal.file} and is paid when the plugin starts again`);
          return false;
        }
        this.ctx.log.warn(`${title} #${live.id}: the win was said but not saved yet (${why}); trying again in ${wait} ms`);
        await this.pause(wait);
      }
    }
  }

  /** Waits `ms`, or less if the plugin unloads meanwhile (an unload waits for the win, not for the pause). */
  private pause(ms: number): Promise<void> {
    const signal = this.ctx.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        cancel();
        resolve();
      };
      const cancel = this.ctx.timers.setTimeout(done, ms);
      signal.addEventListener('abort', done);
    });
  }

  /** Pays the wins a stopped bot had said but not saved (journal.ts), before any game resumes or is cancelled. */
  async payWrittenWins(): Promise<void> {
    const journal = this.deps.journal;
    const wins = journal.read((line) => this.ctx.log.warn(`skipped a line of ${journal.file} that is not a whole win (a crash cut it short before the win was said): ${line.slice(0, 200)}`));
    for (const win of wins) {
      const outcome: GameOutcome = { status: win.status, text: win.text ?? win.status, winners: win.winners, ...(win.answer !== null ? { answer: win.answer } : {}) };
      const ending = { id: win.gameId, state: win.state, rng: win.rng, answers: win.answers, mayHoldFees: true };
      const paid = await finishGame(this.ctx, this.deps.economy, ending, outcome, win.title);
      const who = win.winners.map((w) => w.login).join(', ');
      this.ctx.log.info(paid ? `${win.title} #${win.gameId}: the win of ${who}, said before the bot stopped, is paid now` : `${win.title} #${win.gameId}: the win of ${who} was saved before the bot stopped`);
    }
    journal.cleared();
  }

  // ------------------------------------------------------------------ views

  info(live: Live, status: GameInfo['status'] = 'running'): GameInfo {
    const row: GameRow = {
      id: live.id, channel: live.channel, type: live.type, provider: live.reg?.provider ?? '', status, options: '{}', state: 'null', step: live.step,
      deadline: live.deadline, rng: live.rng, started_by: JSON.stringify(live.startedBy), started_at: live.startedAt, ended_at: null, answer: null, summary: null, answers: live.answers,
    };
    return infoOf(row, this.lookup, { players: live.players.size, winners: [], state: live.state, deadline: live.deadline });
  }

  async infoById(id: number): Promise<GameInfo | undefined> {
    const row = await this.ctx.db.get<GameRow>('SELECT * FROM minigames_games WHERE id = ?', [id]);
    if (!row) return undefined;
    const players = await this.ctx.db.all<{ user_id: string; login: string; won: number; tokens: number }>('SELECT user_id, login, won, tokens FROM minigames_players WHERE game_id = ? ORDER BY rowid', [id]);
    return infoOf(row, this.lookup, { players: players.length, winners: players.filter((p) => p.won).map((p) => ({ userId: p.user_id, login: p.login, tokens: p.tokens })) });
  }

  // ------------------------------------------------------------------ reload and restart

  /** What the next version needs that is not in the rows. */
  handOver(): { games: HandedGame[] } {
    return {
      games: [...this.lives.values()].filter((l) => !l.ended).map((l) => ({
        id: l.id, once: [...l.once], waits: [...l.waits], players: [...l.players.values()], answers: l.answers,
      })),
    };
  }

  /**
   * Picks up the running games from their rows. After a hot reload (`inherited` names them) each goes on as it
   * was. After a restart a game goes on if its deadline is still ahead, else it is cancelled and its fees are
   * returned. A game whose type is not registered yet (another plugin's) waits for it until its deadline.
   */
  async restore(inherited: unknown): Promise<void> {
    const handed = new Map<number, HandedGame>();
    const games = (inherited as { games?: unknown } | undefined)?.games;
    if (Array.isArray(games)) {
      for (const g of games as Partial<HandedGame>[]) {
        if (g && Number.isSafeInteger(g.id)) {
          handed.set(g.id as number, {
            id: g.id as number,
            once: Array.isArray(g.once) ? g.once.filter((k) => typeof k === 'string') : [],
            waits: Array.isArray(g.waits) ? g.waits.filter((w) => Array.isArray(w) && typeof w[0] === 'string' && typeof w[1] === 'number') : [],
            players: Array.isArray(g.players) ? g.players.filter((p) => p && typeof p.userId === 'string' && typeof p.login === 'string') : [],
            answers: typeof g.answers === 'number' ? g.answers : 0,
          });
        }
      }
    }
    const rows = await this.ctx.db.all<GameRow>("SELECT * FROM minigames_games WHERE status = 'running' ORDER BY id");
    const now = this.ctx.clock.now();
    for (const row of rows) {
      const h = handed.get(row.id);
      const reg = this.registry.get(row.type);
      const live: Live = {
        id: row.id, type: row.type, channel: row.channel, startedBy: starterOf(row.started_by), startedAt: row.started_at, reg,
        state: parseJson<unknown>(row.state, null), deadline: row.deadline, rng: row.rng, step: row.step, answers: h?.answers ?? row.answers,
        once: new Set(h?.once), waits: new Map(h?.waits), players: new Map((h?.players ?? []).map((p) => [p.userId, p])),
        queue: Promise.resolve(), cancelTimer: undefined, ended: false, mayHoldFees: true, publishedAt: 0, publishWaiting: false,
      };
      this.lives.set(row.channel, live);
      if (h) {
        this.arm(live); // a deadline that passed during the reload fires at once: the game times out as usual
        continue;
      }
      if (row.deadline === null || row.deadline <= now) {
        const title = reg?.def.title ?? row.type;
        await this.enqueue(live, () => this.finish(live, { status: 'cancelled', text: `${title} #${row.id} was interrupted by a restart and has been cancelled. Every entry fee is returned.` }));
        continue;
      }
      this.ctx.log.info(`${reg?.def.title ?? row.type} #${row.id} resumes after a restart`);
      this.arm(live);
      if (reg) await this.enqueue(live, () => reg.def.resume?.(this.handle(live))).catch(() => undefined);
    }
  }

  /** What the dashboard shows about a view, with nothing thrown. */
  view(type: string, state: unknown, over: boolean): GameView {
    return this.lookup.view(type, state, over);
  }
}

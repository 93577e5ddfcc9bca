// The minigames plugin's public face: the types other plugins (bread fights, EventSub rewards, your own
// games) code against. Types only. Errors are checked by `code`, never with `instanceof`.
import type { ChatMessage, ChatUser, Owner } from '../../core/types.ts';
import type { EconomyTx } from '../economy/service.ts';
import type { MatchResult } from './matcher.ts';
import type { QuestionInput, QuestionQuery, TriviaQuestion } from './questions.ts';

export type { MatchResult } from './matcher.ts';
export type { Difficulty, QuestionInput, QuestionQuery, TriviaQuestion } from './questions.ts';

export type GameErrorCode =
  | 'UNKNOWN_GAME' // no game type of that name
  | 'GAME_RUNNING' // the channel already has a game
  | 'NO_GAME' // nothing to stop / join
  | 'BAD_OPTIONS' // the game refused its options (the message says why)
  | 'TYPE_TAKEN' // registerGame: the name is used
  | 'INVALID' // a bad argument (e.g. a question that does not validate)
  | 'NOT_FOUND'; // a question id

/** Thrown by the service; check `code`. The message is fit for a streamer or a viewer. */
export interface GameError extends Error {
  readonly code: GameErrorCode;
  readonly details?: readonly string[];
}

/** Who started a game: a viewer (command), the schedule, a shop purchase, the dashboard/API, another plugin. */
export interface GameStarter {
  readonly kind: 'viewer' | 'schedule' | 'shop' | 'dashboard' | 'plugin';
  /** A viewer's user id, the redemption id, the plugin name... */
  readonly id?: string;
  /** A viewer's login (kind `viewer`). */
  readonly login?: string;
  /** Shown in chat and history. */
  readonly name: string;
}

/** Options of a game, as typed after `!game <type>` (words) or given by the API / another plugin (object). */
export type GameOptions = Readonly<Record<string, string | number | boolean>>;

export interface StartRequest {
  readonly type: string;
  readonly options?: GameOptions;
  /** Words after the command (`!trivia 3 bakery`): each game reads them as it documents. */
  readonly args?: readonly string[];
  /** Default: the bot's first channel. */
  readonly channel?: string;
  readonly startedBy?: GameStarter;
  /** The message that started it (the game's first line is threaded to it). */
  readonly message?: ChatMessage;
  /** Seed of the game's random source (replays and tests); default random. */
  readonly seed?: number;
}

export type GameStatus = 'running' | 'won' | 'timeout' | 'cancelled' | 'lost';

/** What the dashboard and `GET /api/games` show of a game. */
export interface GameView {
  /** The question, the scrambled word, "a number from 1 to 100"... */
  readonly prompt?: string;
  /** Shown when the game is over (or to moderators). */
  readonly answer?: string;
  readonly lines?: readonly string[];
}

export interface GameInfo {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly channel: string;
  readonly status: GameStatus;
  readonly startedBy: GameStarter;
  readonly startedAt: number;
  readonly endedAt: number | null;
  /** When the current step (round, join window) ends; null once over. */
  readonly deadline: number | null;
  readonly view: GameView;
  /** Answers (chat messages the game read) so far. */
  readonly answers: number;
  readonly players: number;
  readonly winners: readonly { readonly userId: string; readonly login: string; readonly tokens: number }[];
  /** How it ended, in a line ("anna got it: croissant"). */
  readonly summary: string | null;
}

export interface GameTypeInfo {
  readonly type: string;
  readonly title: string;
  readonly description: string;
  readonly usage: string;
  /** Plugin that registered it (`minigames` for the built-in ones). */
  readonly provider: string;
}

/** A chat message the running game reads as an answer (not a command; not from a banned or excluded viewer). */
export interface GameAnswer {
  readonly user: ChatUser;
  readonly text: string;
  readonly message: ChatMessage;
  reply(text: string): Promise<void>;
  /**
   * Whether the viewer may win (not excluded by the economy, not banned) at this moment. Answers of viewers
   * who were not eligible never reach the game; a ban while the answer waited in the game's queue shows here.
   * (The engine never pays an ineligible winner either way.)
   */
  eligible(): Promise<boolean>;
}

/** A viewer as a game stores them (in its state) and pays them. */
export interface GamePlayer {
  readonly userId: string;
  readonly login: string;
  readonly displayName: string;
}

export interface GameWinner extends GamePlayer {
  /** Tokens for the win; default the economy's tokensPerWin. 0 for none. */
  readonly tokens?: number;
  /** XP for the win; default the economy's xpPerWin. */
  readonly xp?: number;
  /** Tokens the game paid this winner itself in `settle` (the heist's share and bonus): counted in stats and history. */
  readonly prize?: number;
}

/** How a game ends (`game.finish`). */
export interface GameOutcome {
  readonly status: Exclude<GameStatus, 'running'>;
  /** Said in chat (threaded to `replyTo` when given). */
  readonly text?: string;
  readonly replyTo?: ChatMessage;
  /** Kept in history ("croissant"). */
  readonly answer?: string;
  readonly winners?: readonly GameWinner[];
  /**
   * Moves money in the same transaction that ends the game (the heist settles its crew's fees here). Entries
   * still held after it are released to their owners. Runs once: the game ends in that transaction.
   */
  readonly settle?: (eco: EconomyTx, entries: readonly GameEntry[]) => Promise<void>;
}

/** An entry fee held in economy escrow for a wager game. */
export interface GameEntry extends GamePlayer {
  readonly escrowId: number;
  readonly amount: number;
}

/** The running game as its type's code sees it. Every change of `state` is saved with `update`. */
export interface RunningGame<State> {
  readonly id: number;
  readonly type: string;
  readonly channel: string;
  readonly state: State;
  /** When the current step times out (ms since the epoch), or null. */
  readonly deadline: number | null;
  readonly startedBy: GameStarter;
  readonly settings: { readonly gameTimeout: number; readonly answerAccuracy: number };
  /** The game's seeded random source (its state is saved with the game). */
  random(): number;
  /** Saves a new state (a step) and, when given, a new deadline in milliseconds from now (null: none). */
  update(state: State, deadlineInMs?: number | null): Promise<void>;
  say(text: string): Promise<void>;
  /** The matcher with the streamer's `answerAccuracy` (or the accuracy given). */
  match(given: string, accepted: readonly string[], accuracy?: number): MatchResult;
  /** True the first time `key` is seen in this game (e.g. one answer per viewer per round). Kept across a reload. */
  once(key: string): boolean;
  /** Milliseconds a viewer still has to wait under a per-game cooldown of `seconds`; 0 starts it. */
  wait(key: string, seconds: number): number;
  /** Records a viewer as a player (participation XP once per game, plays in stats). */
  participate(player: GamePlayer): void;
  /** Holds an entry fee in escrow for this game (once per viewer); throws the economy's INSUFFICIENT_FUNDS. */
  hold(player: GamePlayer, amount: number): Promise<GameEntry>;
  entries(): Promise<GameEntry[]>;
  /** Ends the game: pays winners (idempotent per game id), participation XP, stats, history. */
  finish(outcome: GameOutcome): Promise<void>;
}

/** What a game type gets when it is created (before the game exists). */
export interface GameSetup {
  readonly options: GameOptions;
  readonly args: readonly string[];
  readonly channel: string;
  readonly startedBy: GameStarter;
  readonly settings: { readonly gameTimeout: number; readonly answerAccuracy: number };
  random(): number;
  /** Questions from the bank. */
  questions(query?: QuestionQuery): TriviaQuestion[];
  /** Refuses the options: the starter sees `reason` (BAD_OPTIONS). */
  fail(reason: string): never;
}

/** A game type. Built-in ones and those of other plugins (`minigames.registerGame(ctx, definition)`). */
export interface GameDefinition<State = unknown> {
  /** Lower case letters, digits, _ (used in `!game <type>`). */
  readonly type: string;
  readonly title: string;
  /** One line for `!games` and the dashboard. */
  readonly description: string;
  /** What may follow `!game <type>`, e.g. `[rounds] [category]`. */
  readonly usage?: string;
  /** Reads the options into the first state (JSON-serializable: it is saved with every step). */
  create(setup: GameSetup): State | Promise<State>;
  /** The game exists: announce it and set the first deadline (`game.update(state, ms)`). */
  start(game: RunningGame<State>): void | Promise<void>;
  /** A plain chat message while the game runs; answers of one game are handled one at a time. */
  answer?(game: RunningGame<State>, answer: GameAnswer): void | Promise<void>;
  /** The deadline passed. */
  timeout(game: RunningGame<State>): void | Promise<void>;
  /** The game's command typed while it runs (e.g. `!heist 50` joins the crew). */
  join?(game: RunningGame<State>, answer: GameAnswer, args: readonly string[]): void | Promise<void>;
  /** The game goes on after a restart (say where it stands); optional. */
  resume?(game: RunningGame<State>): void | Promise<void>;
  /** What the dashboard shows. */
  view?(state: State, over: boolean): GameView;
}

export interface GameStats {
  readonly userId: string;
  readonly plays: number;
  readonly wins: number;
  readonly tokensWon: number;
  readonly byType: readonly { readonly type: string; readonly plays: number; readonly wins: number; readonly tokensWon: number }[];
}

export interface MinigamesService {
  /**
   * Compares a viewer's answer with the accepted answers (see matcher.ts for the metric): case, accents,
   * punctuation, extra spaces and a leading article do not count, number words equal digits, and a typo
   * passes when the similarity reaches `accuracy` percent (default: the `answerAccuracy` setting).
   */
  match(given: string, accepted: readonly string[], accuracy?: number): MatchResult;
  /** The text as the matcher compares it ("The Crème Brûlée!" → "creme brulee", "seven" → "7"). */
  normalize(text: string): string;
  /** Questions drawn at random from the bank (bundled unless `trivia.includeBuiltin` is false, config, dashboard). */
  questions(query?: QuestionQuery): TriviaQuestion[];
  /** The bank's categories with how many questions each has, biggest first. */
  categories(): { category: string; count: number }[];

  /** Adds a game type; it goes away when `owner` unloads (a game of it that is running is cancelled, fees returned). */
  registerGame<State>(owner: Owner, definition: GameDefinition<State>): () => void;
  types(): GameTypeInfo[];
  /** Starts a game; throws UNKNOWN_GAME, GAME_RUNNING or BAD_OPTIONS. */
  start(request: StartRequest): Promise<GameInfo>;
  /** Cancels the running game of a channel (default: the first) and returns every fee; undefined when none ran. */
  stop(channel?: string, by?: string): Promise<GameInfo | undefined>;
  /** The running game of a channel (default: the first). */
  running(channel?: string): GameInfo | undefined;
  /** Ended games, newest first. */
  history(limit?: number): Promise<GameInfo[]>;
  stats(userId: string): Promise<GameStats>;
  /** Called after a game ends (won, timed out, cancelled, lost). Removed when `owner` unloads. */
  onGameEnded(owner: Owner, fn: (game: GameInfo) => void | Promise<void>): () => void;

  /** Questions the dashboard added (the bank editor). */
  customQuestions(): TriviaQuestion[];
  /** Adds (no id) or replaces a dashboard question; throws INVALID with `details`. */
  saveQuestion(input: QuestionInput, id?: number): Promise<TriviaQuestion>;
  deleteQuestion(id: number): Promise<boolean>;
  /** Validates every question first: all are added, or none (INVALID with a line per problem). */
  importQuestions(inputs: unknown): Promise<number>;
}

declare module '../../core/types.ts' {
  interface PluginServices {
    minigames: MinigamesService;
  }
}

// Chat in and out. Transports (Twitch, local) sit behind one interface. Incoming messages go through
// users-seen, the chatMessage hook and the command router, and are held while plugins are swapped.
// Outgoing messages go through the outgoingMessage hook and an outbox of our own that obeys Twitch's
// limits and survives reconnects (twurple's queue is cleared on disconnect).
import { randomUUID } from 'node:crypto';
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { CommandRouter } from './commands.ts';
import type { Delivery, StoredReplies, StoredReply } from './confirmations.ts';
import type { CoreHooks } from './hooks.ts';
import { SlidingWindow } from './limits.ts';
import type { ChatApi, ChatEvent, ChatMessage, ChatStatus, Clock, LocalChatInput, LocalChatOutput, Logger, OutgoingMessage, SqlTx } from './types.ts';
import type { Users } from './users.ts';

export interface TransportSink {
  message(message: ChatMessage): void;
  event(event: ChatEvent): void;
  status(status: ChatStatus, detail?: string): void;
  /** The transport can send again (connected, channel joined): the outbox retries. */
  writable(): void;
}

/** One line for a transport to send. */
export interface OutgoingLine {
  readonly channel: string;
  readonly text: string;
  readonly replyTo?: string;
  /** Called once the transport has sent it (a stored confirmation's row is deleted then). */
  readonly onSent?: () => void;
}

export interface Transport {
  readonly kind: 'twitch' | 'local';
  readonly status: ChatStatus;
  readonly channels: readonly string[];
  /** Whether Twitch's send limits apply. */
  readonly limited: boolean;
  start(sink: TransportSink): Promise<void>;
  stop(): Promise<void>;
  canSend(channel: string): boolean;
  /**
   * Sends now; false if it could not (not connected), and the outbox keeps the message. `onSent` is called
   * once the message has really gone out (for Twitch, when the chat thread wrote it to the connection).
   */
  send(channel: string, text: string, replyTo?: string, onSent?: () => void): boolean;
  /** The bot is moderator or broadcaster there (from USERSTATE), so the higher limit applies. */
  isMod(channel: string): boolean;
}

/** Twitch's rules for what the bot sends; tests shrink the windows. */
export interface ChatLimits {
  windowMs: number;
  perWindow: number;
  perWindowMod: number;
  duplicateWindowMs: number;
  maxLength: number;
  /** A reply older than this is dropped (and logged) rather than sent late. */
  maxWaitMs: number;
}

export const TWITCH_LIMITS: ChatLimits = {
  windowMs: 30_000,
  perWindow: 20,
  perWindowMod: 100,
  duplicateWindowMs: 30_000,
  maxLength: 500,
  maxWaitMs: 300_000,
};

// Twitch treats a message with an invisible tag character as different text: the usual way to say the
// same thing twice within 30 s.
const DEDUPE_MARK = ' \u{E0000}';

/**
 * Makes text safe to send: no CR/LF or other control characters (they would inject IRC lines), and no
 * leading `/` or `.` (Twitch reads those as chat commands, and a reply may start with a viewer's words),
 * except `/me `, which plugins use on purpose.
 */
export function cleanOutgoing(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return /^[/.]/.test(clean) && !/^\/me\s/i.test(clean) ? `\u200B${clean}` : clean;
}

/** Splits into parts of at most `max` code points, on white space where possible, never inside a character. */
export function splitMessage(text: string, max: number, maxParts = 3): string[] {
  const chars = Array.from(text);
  if (chars.length <= max) return [text];
  const parts: string[] = [];
  let start = 0;
  while (start < chars.length) {
    if (parts.length === maxParts - 1 && chars.length - start > max) {
      parts.push(chars.slice(start, start + max - 1).join('').trimEnd() + '…');
      break;
    }
    let end = Math.min(start + max, chars.length);
    if (end < chars.length) {
      let cut = end;
      while (cut > start + max / 2 && !/\s/.test(chars[cut] ?? '')) cut--;
      if (cut > start + max / 2) end = cut;
    }
    const part = chars.slice(start, end).join('').trim();
    if (part) parts.push(part);
    start = end;
    while (start < chars.length && /\s/.test(chars[start] ?? '')) start++;
  }
  return parts;
}

interface Pending extends OutgoingLine {
  readonly at: number;
  /** Called if the outbox gives the message up (too old to send, or the bot stopped). */
  readonly onGivenUp?: (reason: string) => void;
}

/**
 * Where a limited transport's send times are kept across restarts: Twitch counts them per account, so a
 * bot restarted (or crashed and restarted) mid-burst must still count what the previous run sent.
 */
export interface SendTimesStore {
  load(): number[];
  /** Records the sends of one burst; `window` is every send Twitch still counts (what a rewrite keeps). */
  save(sent: readonly number[], window: readonly number[]): void;
}

/** Appended lines after which the file is rewritten with only the sends still in the window. */
const SEND_TIMES_REWRITE_AFTER = 256;

/**
 * A small file in the data folder: a line `{"times":[…]}` (the window when it was last rewritten), then one
 * line per send since. A send is an append, not a rewrite: replacing the file (write, then rename over it)
 * cost the main thread about a millisecond per reply on ext4, which flushes a file renamed over another.
 * When it is missing or unreadable after an unclean stop (`uncleanStop`), the sends of the killed run are
 * unknown: the store answers with a full window (`fill` sends at load time), so the bot waits the window out
 * rather than risk Twitch's limit.
 */
export function sendTimesFile(file: string, log: Logger, options: { uncleanStop?: boolean; now?: () => number; fill?: number } = {}): SendTimesStore {
  const unknown = (why: string): number[] => {
    if (!options.uncleanStop) return []; // first run, or a clean stop: nothing was sent that is not in the file
    log.warn(`${file} ${why} after an unclean stop: the bot's last sends are unknown, so it waits out Twitch's send window (30 s) before chatting`);
    const now = (options.now ?? Date.now)();
    return new Array<number>(options.fill ?? TWITCH_LIMITS.perWindowMod).fill(now);
  };
  let appended = Number.POSITIVE_INFINITY; // rewritten at the first save: the file then starts with this run's window
  return {
    load: () => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        return unknown('is missing');
      }
      const times = parseSendTimes(text);
      return typeof times === 'string' ? unknown(times) : times;
    },
    save: (sent, window) => {
      try {
        if (appended + sent.length <= SEND_TIMES_REWRITE_AFTER) {
          appendFileSync(file, `${sent.join('\n')}\n`);
          appended += sent.length;
          return;
        }
        writeFileSync(`${file}.tmp`, `${JSON.stringify({ times: window })}\n`);
        renameSync(`${file}.tmp`, file);
        appended = 0;
      } catch (err) {
        log.warn(`could not record chat send times in ${file}: ${(err as Error).message}`);
      }
    },
  };
}

/** The send times in a send-times file, or why it cannot be read (a torn line fails the whole file safe). */
function parseSendTimes(text: string): number[] | string {
  const times: number[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return 'is unreadable';
    }
    if (typeof value === 'number') times.push(value);
    else if (value && typeof value === 'object' && Array.isArray((value as { times?: unknown }).times)) {
      for (const t of (value as { times: unknown[] }).times) if (typeof t === 'number') times.push(t);
    } else return 'has no list of send times';
  }
  return times;
}

class Outbox {
  private readonly queue: Pending[] = [];
  private readonly sent: SlidingWindow;
  private readonly recent = new Map<string, Map<string, number>>();
  /** Set while the head waits for Twitch's window to allow one more (a timer of the bot's clock). */
  private timer: unknown;
  private idle: (() => void)[] = [];

  constructor(
    private readonly transport: Transport,
    private readonly limits: ChatLimits,
    private readonly log: Logger,
    private readonly clock: Clock,
    /** Told whenever a pump ends: the hub checks whether chat went idle. */
    private readonly pumped: () => void,
    private readonly store?: SendTimesStore,
  ) {
    // Sent-time and Twitch's receive-time differ by network jitter: count over a slightly longer window.
    this.sent = new SlidingWindow(clock, Number.POSITIVE_INFINITY, limits.windowMs + Math.max(100, limits.windowMs * 0.03));
    if (store && transport.limited) this.sent.restore('all', store.load());
  }

  /** Messages wait for Twitch's window to let them go (they go by themselves when the clock gets there). */
  get waiting(): boolean {
    return this.timer !== undefined && this.queue.length > 0;
  }

  get size(): number {
    return this.queue.length;
  }

  push(p: Pending): void {
    this.queue.push(p);
    this.pump();
  }

  /** Resolves when everything queued was sent, or after `ms` of wall-clock time (a shutdown's budget). */
  drained(ms: number): Promise<void> {
    if (!this.queue.length) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.idle.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  pump(): void {
    if (this.timer) return;
    const t = this.transport;
    let sent = 0;
    try {
      this.sendDue(t, () => sent++);
    } finally {
      // Recorded after each burst (a handful of small writes a second at most), before the next can start.
      if (sent && t.limited && this.store) {
        const window = this.sent.times('all');
        this.store.save(window.slice(-sent), window);
      }
    }
    if (!this.queue.length && !this.timer) for (const f of this.idle.splice(0)) f();
    this.pumped();
  }

  private sendDue(t: Transport, counted: () => void): void {
    while (this.queue.length) {
      const head = this.queue[0] as Pending;
      const now = this.clock.now();
      if (now - head.at > this.limits.maxWaitMs) {
        this.queue.shift();
        const reason = `it waited ${Math.round((now - head.at) / 1000)} s to be sent (Twitch unreachable, or the send limit)`;
        if (head.onGivenUp) head.onGivenUp(reason);
        else this.log.warn(`gave up a reply: ${reason}`, { channel: head.channel, text: head.text });
        continue;
      }
      if (!t.canSend(head.channel)) return; // writable() calls pump again
      const mod = t.isMod(head.channel);
      if (t.limited) {
        const wait = this.sent.waitFor('all', mod ? this.limits.perWindowMod : this.limits.perWindow);
        if (wait > 0) {
          this.timer = this.clock.setTimeout(() => {
            this.timer = undefined;
            this.pump();
          }, wait + 5);
          return;
        }
      }
      const text = t.limited && !mod ? this.dedupe(head.channel, head.text, now) : head.text;
      if (!t.send(head.channel, text, head.replyTo, head.onSent)) return;
      this.queue.shift();
      this.sent.take('all');
      counted();
      this.remember(head.channel, text, now);
    }
  }

  private dedupe(channel: string, text: string, now: number): string {
    const seen = this.recent.get(channel);
    let out = text;
    while (seen && (seen.get(out) ?? -Infinity) > now - this.limits.duplicateWindowMs) out += DEDUPE_MARK;
    return out;
  }

  private remember(channel: string, text: string, now: number): void {
    let seen = this.recent.get(channel);
    if (!seen) this.recent.set(channel, (seen = new Map()));
    seen.set(text, now);
    if (seen.size > 200) for (const [k, at] of seen) if (at <= now - this.limits.duplicateWindowMs) seen.delete(k);
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Empties the queue, returning what was still waiting (at shutdown, after the drain). */
  takeAll(): Pending[] {
    return this.queue.splice(0);
  }
}

export interface ChatHubDeps {
  readonly hooks: CoreHooks;
  readonly log: Logger;
  readonly clock: Clock;
  readonly users: Users;
  readonly router: CommandRouter;
  readonly limits?: Partial<ChatLimits>;
  /** Send times of limited transports (Twitch), kept across restarts. */
  readonly sendTimes?: SendTimesStore;
  /** Where confirmations are stored with their change; without it, confirm() sends after the commit only. */
  readonly stored?: StoredReplies;
}

export class ChatHub {
  private readonly transports: { transport: Transport; outbox: Outbox }[] = [];
  private paused = 0;
  private stopped = false;
  /** Events held while plugins are swapped; each starts (and counts) its own handling. */
  private held: (() => void)[] = [];
  private inFlight = 0;
  private readonly idle: (() => void)[] = [];
  /** Messages between send() and their outbox (the outgoingMessage hook runs). */
  private sending = 0;
  /** Who waits for idle(). */
  private readonly quiet: (() => void)[] = [];
  private readonly limits: ChatLimits;
  private readonly statusListeners = new Set<(s: ChatStatus, detail?: string) => void>();
  private lastDetail: string | undefined;
  /** Messages handled since start, for the dashboard's messages-per-minute. */
  handled = 0;

  constructor(private readonly deps: ChatHubDeps) {
    this.limits = { ...TWITCH_LIMITS, ...deps.limits };
  }

  get status(): ChatStatus {
    const twitch = this.transports.find((t) => t.transport.kind === 'twitch');
    return twitch ? twitch.transport.status : this.transports.length ? 'local' : 'stopped';
  }

  get statusDetail(): string | undefined {
    return this.lastDetail;
  }

  get channels(): readonly string[] {
    return [...new Set(this.transports.flatMap((t) => t.transport.channels))];
  }

  transport(kind: 'twitch' | 'local'): Transport | undefined {
    return this.transports.find((t) => t.transport.kind === kind)?.transport;
  }

  onStatus(listener: (s: ChatStatus, detail?: string) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  async add(transport: Transport): Promise<void> {
    const outbox = new Outbox(transport, this.limits, this.deps.log.child(transport.kind), this.deps.clock, this.checkIdle, this.deps.sendTimes);
    this.transports.push({ transport, outbox });
    await transport.start({
      // Almost always handled at once; a closure to hold it only while plugins are being swapped.
      message: (m) => (this.paused || this.held.length ? this.admit(() => this.handleMessage(m)) : this.handleMessage(m)),
      event: (e) => this.admit(() => this.track(this.deps.hooks.chatEvent.promise(e))),
      status: (s, detail) => {
        this.lastDetail = detail;
        for (const l of this.statusListeners) l(s, detail);
      },
      writable: () => outbox.pump(),
    });
  }

  async remove(kind: 'twitch' | 'local'): Promise<void> {
    const i = this.transports.findIndex((t) => t.transport.kind === kind);
    if (i < 0) return;
    const [entry] = this.transports.splice(i, 1);
    if (!entry) return;
    entry.outbox.stop();
    await entry.transport.stop();
    for (const l of this.statusListeners) l(this.status);
    this.checkIdle();
  }

  /** Holds incoming chat until the returned function is called (plugins are being swapped). */
  pause(): () => void {
    this.paused++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.paused--;
      if (!this.paused) this.release();
    };
  }

  private admit(work: () => void): void {
    if (this.paused || this.held.length) {
      this.held.push(work);
      if (!this.paused) this.release();
      return;
    }
    work();
  }

  // Counted rather than kept in a set: two fewer promises and closures per chat message.
  private track(handling: Promise<unknown>): void {
    this.inFlight++;
    handling.then(this.settled, this.failed);
  }

  private readonly settled = (): void => {
    if (--this.inFlight === 0) {
      for (const f of this.idle.splice(0)) f();
      this.checkIdle();
    }
  };

  private readonly failed = (err: unknown): void => {
    this.deps.log.error(`handling chat failed: ${(err as Error).message}`, { err: err as Error });
    this.settled();
  };

  /** Resolves when no chat event is being handled. */
  private whenHandled(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }

  /**
   * Nothing left to wait for: no chat event being handled or held, no message on its way to an outbox, and
   * none waiting for Twitch's window (messages a disconnected transport cannot take do not count: they wait
   * for the connection, not for the bot).
   */
  get isIdle(): boolean {
    return this.inFlight === 0 && this.sending === 0 && this.held.length === 0 && !this.transports.some((t) => t.outbox.waiting);
  }

  /** Resolves when the hub is idle (the test kit's `t.idle()` waits for this). */
  whenIdle(): Promise<void> {
    if (this.isIdle) return Promise.resolve();
    return new Promise((resolve) => this.quiet.push(resolve));
  }

  private readonly checkIdle = (): void => {
    if (this.quiet.length && this.isIdle) for (const f of this.quiet.splice(0)) f();
  };

  private release(): void {
    // Held events are started in arrival order; each plugin handles them as if they had just come in.
    while (this.held.length && !this.paused) (this.held.shift() as () => void)();
    this.checkIdle();
  }

  private handleMessage(m: ChatMessage): void {
    this.handled++;
    let first: boolean;
    let command: Promise<boolean> | false;
    try {
      first = this.deps.users.seen(m.user, m.time);
      // Callback style, not a promise: the taps of plain chat finish at once, and then so does this, without
      // a promise or a turn of the microtask queue per message. (Taps are isolated; they never throw here.)
      this.inFlight++;
      this.deps.hooks.chatMessage.callAsync(m, this.hooked);
      command = this.deps.router.handle(m);
    } catch (err) {
      this.deps.log.error(`handling chat failed: ${(err as Error).message}`, { err: err as Error });
      return;
    }
    if (!command && !first && !(m.bits > 0)) return;
    const work: Promise<unknown>[] = [];
    if (command) work.push(command);
    if (first) work.push(this.deps.hooks.userSeen.promise(m.user));
    if (m.bits > 0) work.push(this.deps.hooks.chatEvent.promise({ type: 'cheer', channel: m.channel, user: m.user, bits: m.bits, message: m.text }));
    this.track(work.length === 1 ? (work[0] as Promise<unknown>) : Promise.all(work));
  }

  private readonly hooked = (err?: unknown): void => {
    if (err) this.failed(err);
    else this.settled();
  };

  chatFor(plugin: string): ChatApi {
    const channels = () => this.channels;
    const status = () => this.status;
    return {
      say: (channel, text) => this.send({ channel, text, from: plugin }),
      reply: (to, text) => this.send({ channel: to.channel, text, replyTo: to.id, from: plugin }, to.transport),
      confirm: (tx, to, text) => this.confirm(tx, { channel: to.channel, text, replyTo: to.id, from: plugin }, to.transport),
      get channels() {
        return channels();
      },
      get status() {
        return status();
      },
    };
  }

  /**
   * A reply that confirms a change, stored in the change's transaction `tx` and sent once it commits; if a
   * crash or stop keeps it from being sent, the next start sends it while fresh (see confirmations.ts).
   */
  async confirm(tx: SqlTx, message: OutgoingMessage, via?: 'twitch' | 'local'): Promise<void> {
    const stored = this.deps.stored;
    if (!stored) {
      tx.afterCommit(() => setImmediate(() => void this.send(message, via)));
      return;
    }
    const reply = await stored.add(tx, message, via);
    // After the turn of the commit: what the committing code does next (its events) comes before the reply.
    tx.afterCommit(() => setImmediate(() => void this.sendStored([reply])));
  }

  /** Confirmations a previous run stored and did not send, still fresh (older ones are logged as given up). */
  async storedUnsent(maxAgeMs: number): Promise<StoredReply[]> {
    return this.deps.stored ? this.deps.stored.unsent(maxAgeMs) : [];
  }

  /** Sends confirmations already stored (after their commit, or at start for those a previous run left). */
  async sendStored(replies: readonly StoredReply[]): Promise<void> {
    const stored = this.deps.stored;
    if (!stored) return;
    for (const reply of replies) {
      let parts = 1;
      const delivery = stored.delivery(reply);
      // The part count is known only after the hook and the split: each part reports to one shared delivery.
      const counted: Delivery & { parts(n: number): void } = {
        sent: () => {
          if (--parts === 0) delivery.sent();
        },
        givenUp: (reason) => delivery.givenUp(reason),
        parts: (n) => {
          parts = n;
        },
      };
      await this.send(reply.message, reply.via, counted).catch((err: unknown) => delivery.givenUp(`it could not be sent: ${(err as Error).message}`));
    }
  }

  /** Outgoing path: hook (transform or veto), clean, split, then the outbox of the right transport. */
  async send(message: OutgoingMessage, via?: 'twitch' | 'local', delivery?: Delivery & { parts(n: number): void }): Promise<void> {
    this.sending++;
    try {
      await this.enqueue(message, via, delivery);
    } finally {
      this.sending--;
      this.checkIdle();
    }
  }

  private async enqueue(message: OutgoingMessage, via?: 'twitch' | 'local', delivery?: Delivery & { parts(n: number): void }): Promise<void> {
    const out = await this.deps.hooks.outgoingMessage.promise(message);
    if (out.vetoed) {
      // A plugin decided it is not to be sent: nothing is lost, and a stored confirmation is done with.
      this.deps.log.debug(`outgoing message vetoed: ${out.vetoed}`, { from: out.from });
      delivery?.parts(1);
      delivery?.sent();
      return;
    }
    const entry =
      (via && this.transports.find((t) => t.transport.kind === via)) ??
      this.transports.find((t) => t.transport.kind === 'twitch' && t.transport.channels.includes(out.channel)) ??
      this.transports.find((t) => t.transport.kind === 'local');
    if (!entry) {
      // After the stop (a plugin committing while it unloads), a stored confirmation waits for the next start.
      if (delivery && this.stopped) this.deps.log.warn('a confirmation came after chat stopped; it is sent at the next start if that is soon enough (bot.unsentReplyMaxAge)', { channel: out.channel, text: out.text });
      else if (delivery) delivery.givenUp('there is no chat transport to send with');
      else this.deps.log.warn('gave up a reply: there is no chat transport to send with', { channel: out.channel, text: out.text });
      return;
    }
    const text = cleanOutgoing(out.text);
    if (!text) {
      delivery?.parts(1);
      delivery?.sent();
      return;
    }
    // Room for the duplicate mark, so a marked part never goes over the limit.
    const parts = splitMessage(text, this.limits.maxLength - 8);
    const at = this.deps.clock.now();
    delivery?.parts(parts.length);
    parts.forEach((part, i) => entry.outbox.push({ channel: out.channel, text: part, replyTo: i === 0 ? out.replyTo : undefined, at, onSent: delivery?.sent, onGivenUp: delivery?.givenUp }));
  }

  get pendingOutgoing(): number {
    return this.transports.reduce((n, t) => n + t.outbox.size, 0);
  }

  /**
   * Stops intake: transports stop delivering, messages being handled finish (so their replies and writes
   * happen), then what is queued to send gets `drainMs` to go out before the transports close.
   */
  async stop(drainMs = 2000): Promise<void> {
    this.stopped = true;
    this.pause();
    const held = this.held.length;
    if (held) this.deps.log.warn(`${held} chat events arrived during shutdown and were not handled`);
    this.held = [];
    // Wall-clock budgets, not the bot's clock: a shutdown must end even when a test's fake clock stands still.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise((r) => (timer = setTimeout(r, drainMs)));
    await Promise.race([this.whenHandled(), deadline]);
    clearTimeout(timer);
    await Promise.all(this.transports.map((t) => t.outbox.drained(drainMs)));
    // Said, not silently dropped: a stored confirmation stays in its table for the next start.
    for (const t of this.transports) {
      for (const p of t.outbox.takeAll()) {
        if (p.onGivenUp) this.deps.log.warn('a confirmation was not sent before the bot stopped; it is sent at the next start if that is soon enough (bot.unsentReplyMaxAge)', { channel: p.channel, text: p.text });
        else this.deps.log.warn(`gave up a reply: the bot stopped before it could be sent (${drainMs / 1000} s drain)`, { channel: p.channel, text: p.text });
      }
    }
    for (const t of [...this.transports].reverse()) await this.remove(t.transport.kind);
  }
}

export interface LocalInput extends LocalChatInput {
  readonly id?: string;
  readonly userId?: string;
}

export type LocalOutput = LocalChatOutput;

/** In-process chat: tests, the dashboard's test chat and `npm run chat` talk to the bot through it. */
export class LocalTransport implements Transport {
  readonly kind = 'local';
  readonly status: ChatStatus = 'local';
  readonly limited = false;
  private sink: TransportSink | undefined;
  private readonly listeners = new Set<(out: LocalOutput) => void>();

  constructor(private readonly channel: () => string, private readonly clock: Clock) {}

  get channels(): readonly string[] {
    return [this.channel()];
  }

  async start(sink: TransportSink): Promise<void> {
    this.sink = sink;
    sink.status('local');
  }

  async stop(): Promise<void> {
    this.sink = undefined;
  }

  canSend(): boolean {
    return true;
  }

  isMod(): boolean {
    return true;
  }

  send(channel: string, text: string, replyTo?: string, onSent?: () => void): boolean {
    const out: LocalOutput = { channel, text, replyTo, at: this.clock.now() };
    for (const l of this.listeners) l(out);
    onSent?.();
    return true;
  }

  onBotMessage(listener: (out: LocalOutput) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A viewer says something. Roles give badges; the user id is stable per login. */
  post(input: LocalInput): ChatMessage {
    const login = input.login.replace(/^@/, '').toLowerCase();
    const roles = [...(input.roles ?? [])];
    const badges: Record<string, string> = {};
    for (const r of roles) badges[r] = '1';
    const message: ChatMessage = {
      id: input.id ?? randomUUID(),
      channel: input.channel ?? this.channel(),
      user: { id: input.userId ?? `local:${login}`, login, displayName: input.displayName ?? input.login, roles, badges },
      text: input.text,
      bits: input.bits ?? 0,
      firstMessage: false,
      isAction: false,
      time: this.clock.now(),
      transport: 'local',
    };
    this.sink?.message(message);
    return message;
  }

  event(e: ChatEvent): void {
    this.sink?.event(e);
  }
}

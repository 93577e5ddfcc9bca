// The overlays: the built-in ones and plugin widgets, their keys, what each shows right now, and the pages
// connected to each. `publish` checks an event, updates the state, and sends it to the open pages.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Owner, PluginContext } from '../../core/types.ts';
import { eventProblem, nextState } from './events.ts';
import type { OverlayErrorCode, OverlayEvent, OverlayLayout, WidgetSpec } from './service.ts';

export class OverlayError extends Error {
  override readonly name = 'OverlayError';
  constructor(
    readonly code: OverlayErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface Overlay {
  readonly name: string;
  readonly title: string;
  readonly layout: OverlayLayout;
  readonly description: string;
  readonly owner: string;
  readonly testEvent?: OverlayEvent;
  state?: OverlayEvent;
  /** Plugin whose event is on screen (cleared when it unloads). */
  stateOwner?: string;
}

/** An open page: gets the overlay's events until it closes or its key is rotated. */
export interface Viewer {
  readonly overlay: string;
  readonly key: string;
  send(event: string, data: unknown): void;
  close(): void;
}

export const BUILTIN: readonly Omit<Overlay, 'owner'>[] = [
  { name: 'alerts', title: 'Alerts', layout: 'alerts', description: 'Shop purchases and what other plugins announce (subs, raids, wins), one at a time.' },
  { name: 'game', title: 'Running game', layout: 'game', description: 'The mini-game in progress.' },
  { name: 'fight', title: 'Bread fight', layout: 'fight', description: 'The live bread fight with both HP bars.' },
  { name: 'leaderboard', title: 'Leaderboard', layout: 'leaderboard', description: 'Top viewers by tokens (from the economy).' },
  { name: 'orders', title: 'Recent orders', layout: 'list', description: 'The latest shop orders.' },
];

const NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export type Published = (overlay: Overlay, event: OverlayEvent) => void;

export class OverlayRegistry {
  readonly overlays = new Map<string, Overlay>();
  readonly viewers = new Set<Viewer>();
  private readonly keys = new Map<string, string>();
  /** Owners whose dispose clears what they left on screen. */
  private readonly watched = new Set<string>();
  private readonly listeners = new Set<Published>();

  constructor(
    private readonly ctx: PluginContext<{ listSize: number }>,
    private readonly selfName: string,
  ) {
    for (const o of BUILTIN) this.overlays.set(o.name, { ...o, owner: selfName });
  }

  async loadKeys(): Promise<void> {
    for (const r of await this.ctx.db.all<{ name: string; key: string }>('SELECT name, key FROM overlays_keys')) this.keys.set(r.name, r.key);
    for (const name of this.overlays.keys()) this.keyOf(name);
  }

  /** The overlay's key, made (and stored) the first time it is asked for. */
  keyOf(name: string): string {
    let key = this.keys.get(name);
    if (!key) {
      key = randomBytes(24).toString('base64url');
      this.keys.set(name, key);
      this.store(name, key);
    }
    return key;
  }

  private store(name: string, key: string): void {
    this.ctx.db
      .run('INSERT INTO overlays_keys (name, key, rotated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET key = excluded.key, rotated_at = excluded.rotated_at', [name, key, this.ctx.clock.now()])
      .catch((err: Error) => this.ctx.log.error(`could not store the key of overlay ${name}: ${err.message}`));
  }

  /** Constant-time comparison: the key is the only lock on an overlay. */
  keyMatches(name: string, given: string | undefined): boolean {
    const key = this.keys.get(name);
    if (!key || !given) return false;
    const a = Buffer.from(key);
    const b = Buffer.from(given);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  rotate(name: string): void {
    const o = this.get(name);
    const key = randomBytes(24).toString('base64url');
    this.keys.set(o.name, key);
    this.store(o.name, key);
    for (const v of [...this.viewers]) if (v.overlay === o.name) v.close();
  }

  get(name: string): Overlay {
    const o = this.overlays.get(name);
    if (!o) throw new OverlayError('UNKNOWN_OVERLAY', `there is no overlay "${name}" (known: ${[...this.overlays.keys()].join(', ')})`);
    return o;
  }

  onPublished(fn: Published): void {
    this.listeners.add(fn);
  }

  publish(owner: Owner | undefined, name: string, event: OverlayEvent): void {
    const o = this.get(name);
    if (owner && o.owner !== this.selfName && o.owner !== owner.name) throw new OverlayError('NOT_OWNER', `overlay "${name}" belongs to the ${o.owner} plugin`);
    const problem = eventProblem(o.layout, event);
    if (problem) throw new OverlayError('INVALID_EVENT', `overlay "${name}": ${problem}`);
    const state = nextState(o.state, event, this.ctx.config.listSize);
    if (state !== o.state) {
      o.state = state;
      o.stateOwner = state ? owner?.name : undefined;
      if (owner && state) this.watch(owner);
    }
    for (const v of this.viewers) if (v.overlay === name) v.send('overlay', event);
    for (const fn of this.listeners) fn(o, event);
  }

  /** When `owner` unloads, what it left on screen goes (a fight does not freeze on stream). */
  private watch(owner: Owner): void {
    if (owner.name === this.selfName || this.watched.has(owner.name)) return;
    this.watched.add(owner.name);
    owner.onDispose(() => {
      this.watched.delete(owner.name);
      for (const o of this.overlays.values()) {
        if (o.stateOwner === owner.name && this.overlays.get(o.name) === o) this.publish(undefined, o.name, { type: 'clear' });
      }
    });
  }

  registerWidget(owner: Owner, spec: WidgetSpec): () => void {
    if (!NAME.test(spec.name)) throw new OverlayError('INVALID_NAME', `overlay name "${spec.name}" must be 1-32 lower-case letters, digits, - or _`);
    const taken = this.overlays.get(spec.name);
    if (taken) throw new OverlayError('NAME_TAKEN', `overlay "${spec.name}" already exists (${taken.owner})`);
    if (!(spec.layout in { alerts: 1, game: 1, fight: 1, leaderboard: 1, list: 1, text: 1 })) throw new OverlayError('INVALID_EVENT', `unknown layout "${spec.layout}"`);
    const o: Overlay = { name: spec.name, title: spec.title, layout: spec.layout, description: spec.description ?? '', owner: owner.name, ...(spec.testEvent ? { testEvent: spec.testEvent } : {}) };
    this.overlays.set(o.name, o);
    this.keyOf(o.name);
    const remove = () => {
      if (this.overlays.get(o.name) !== o) return;
      this.overlays.delete(o.name);
      for (const v of [...this.viewers]) if (v.overlay === o.name) v.close();
    };
    owner.onDispose(remove);
    return remove;
  }

  /** What is on screen, for the next version of the plugin (a reload must not blank a running fight). */
  snapshot(): { overlay: string; state: OverlayEvent; owner?: string }[] {
    return [...this.overlays.values()].flatMap((o) => (o.state ? [{ overlay: o.name, state: o.state, ...(o.stateOwner ? { owner: o.stateOwner } : {}) }] : []));
  }

  /** Takes back a snapshot (from an older version, maybe): only states the overlay's layout still accepts. */
  restore(inherited: unknown): void {
    const list = (inherited as { screens?: unknown } | undefined)?.screens;
    if (!Array.isArray(list)) return;
    for (const item of list as { overlay?: unknown; state?: unknown; owner?: unknown }[]) {
      const o = typeof item?.overlay === 'string' ? this.overlays.get(item.overlay) : undefined;
      if (!o || eventProblem(o.layout, item.state)) continue;
      o.state = item.state as OverlayEvent;
      if (typeof item.owner === 'string') o.stateOwner = item.owner;
    }
  }

  viewersOf(name: string): number {
    let n = 0;
    for (const v of this.viewers) if (v.overlay === name) n++;
    return n;
  }
}

// What one generation of the dashboard leaves to the next: the listening server, the registrations of
// other plugins, the open event streams, the Test chat transcript and the setup wizard's progress. Data,
// not objects with behaviour: the next generation may run new code over it.
//
// When the host restarts the dashboard because an optional dependency (economy, chatlog) came or went,
// the plugins that registered pages with it are not restarted: their registrations must survive, and the
// service object they hold keeps working on the same data. The generation being torn down parks its state
// in a process-wide table keyed by the bot's config file (core does not promise that `ctx.handOver` carries
// it on every kind of restart), and the next generation claims it. Parked state nobody claims within
// `holdMs` is released (streams ended, server closed).
import { PassThrough } from 'node:stream';
import type { TranscriptEntry } from './context.ts';
import type { HubClient } from './events.ts';
import { isRegistryData, type RegistryData } from './extensions.ts';
import type { Listener } from './listener.ts';
import type { WizardState } from './twitch-oauth.ts';

export interface Carried {
  readonly version: 2;
  readonly listener: Listener | undefined;
  readonly registry: RegistryData;
  readonly clients: Set<HubClient>;
  readonly transcript: { readonly entries: readonly TranscriptEntry[]; readonly seq: number };
  readonly wizard: ReadonlyMap<string, WizardState>;
}

const PARKED = Symbol.for('bakebot.dashboard.parked');

interface Parked {
  readonly carried: Carried;
  readonly timer: NodeJS.Timeout;
}

function table(): Map<string, Parked> {
  const g = globalThis as unknown as Record<symbol, Map<string, Parked> | undefined>;
  let t = g[PARKED];
  if (!t) {
    t = new Map();
    g[PARKED] = t;
  }
  return t;
}

function release(c: Partial<Carried>): void {
  if (c.clients instanceof Set) for (const client of c.clients) if (client.stream instanceof PassThrough) client.stream.end();
  void c.listener?.close().catch(() => undefined);
}

/** Keeps state for the next generation; requests to the listener wait meanwhile. */
export function park(key: string, carried: Carried, holdMs = 10_000): void {
  const t = table();
  const old = t.get(key);
  if (old && old.carried !== carried) {
    clearTimeout(old.timer);
    release(old.carried);
  }
  carried.listener?.detach();
  const timer = setTimeout(() => {
    if (t.get(key)?.carried === carried) t.delete(key);
    release(carried);
  }, holdMs);
  timer.unref();
  t.set(key, { carried, timer });
}

/** The state the previous generation parked, if it is of a shape this code understands. */
export function claim(key: string): Carried | undefined {
  const t = table();
  const p = t.get(key);
  if (!p) return undefined;
  t.delete(key);
  clearTimeout(p.timer);
  const c = p.carried as Partial<Carried> | undefined;
  if (c?.version !== 2 || !isRegistryData(c.registry) || !(c.clients instanceof Set) || !c.transcript || !(c.wizard instanceof Map)) {
    if (c) release(c);
    return undefined;
  }
  return c as Carried;
}

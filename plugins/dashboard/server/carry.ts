// What one generation of the dashboard hands to the next through `ctx.handOver` (reload, restart): the
// listening server, the open event streams, the Test chat transcript and the setup wizard's progress.
// Sessions are in the database and need nothing. Registrations of other plugins (pages, API routes, panels)
// are not carried: the host restarts those plugins with the dashboard, and they register again.
//
// The host calls handOver only when a next generation follows (reload, restart), before dispose; disabling
// or stopping the bot disposes without it, and then everything is closed. What arrives as `ctx.inherited`
// may come from another version of this code: `adopt` checks every part, keeps what it can use and
// releases the rest (a listener nobody takes closes itself anyway, see listener.ts).
import { PassThrough } from 'node:stream';
import type { Logger } from '../../../core/types.ts';
import type { TranscriptEntry } from './context.ts';
import type { HubClient } from './events.ts';
import type { Listener } from './listener.ts';
import type { WizardState } from './twitch-oauth.ts';

export const HANDOVER_KIND = 'bakebot.dashboard.handover';

export interface TranscriptSnapshot {
  readonly entries: readonly TranscriptEntry[];
  readonly seq: number;
}

/** The hand-over, version 3 (versions 1 and 2 parked their state outside the plugin and handed no data). */
export interface Carried {
  readonly kind: typeof HANDOVER_KIND;
  readonly version: 3;
  /** Detached: requests wait for the next generation to attach. */
  readonly listener: Listener | undefined;
  /** Shared with the next generation's EventHub (each stream removes itself from it when it closes). */
  readonly clients: Set<HubClient>;
  readonly transcript: TranscriptSnapshot;
  readonly wizard: ReadonlyMap<string, WizardState>;
}

/** What a new generation can use of what it inherited. */
export interface Adopted {
  /** Something was inherited, in a form this version does not read (its server may still hold the port). */
  readonly unreadable?: true;
  readonly listener?: Listener;
  readonly clients?: Set<HubClient>;
  readonly transcript?: TranscriptSnapshot;
  readonly wizard?: ReadonlyMap<string, WizardState>;
}

/** Builds the hand-over of a running generation; its listener stops taking requests until the next one attaches. */
export function handOff(parts: Omit<Carried, 'kind' | 'version'>): Carried {
  parts.listener?.detach();
  return { kind: HANDOVER_KIND, version: 3, ...parts };
}

type Loose = Record<string, unknown>;

function isObject(v: unknown): v is Loose {
  return typeof v === 'object' && v !== null;
}

function isListener(v: unknown): v is Listener {
  return (
    isObject(v) &&
    typeof v.attach === 'function' && typeof v.detach === 'function' && typeof v.close === 'function' &&
    typeof v.url === 'string' && typeof v.host === 'string' && typeof v.port === 'number' && typeof v.configuredPort === 'number' && typeof v.closed === 'boolean'
  );
}

function isOpenClient(v: unknown): v is HubClient {
  return isObject(v) && v.stream instanceof PassThrough && !v.stream.destroyed && !v.stream.writableEnded && v.topics instanceof Set;
}

const ROLES: readonly string[] = ['broadcaster', 'moderator', 'vip', 'subscriber', 'founder'];
const optionalString = (v: unknown) => v === undefined || typeof v === 'string';

function isTranscriptEntry(v: unknown): v is TranscriptEntry {
  return (
    isObject(v) &&
    Number.isSafeInteger(v.seq) && (v.kind === 'viewer' || v.kind === 'bot') && typeof v.text === 'string' && typeof v.at === 'number' &&
    optionalString(v.id) && optionalString(v.replyTo) && optionalString(v.login) && optionalString(v.displayName) &&
    (v.roles === undefined || (Array.isArray(v.roles) && v.roles.every((r) => typeof r === 'string' && ROLES.includes(r))))
  );
}

function isWizardState(v: unknown): v is WizardState {
  return isObject(v) && typeof v.updatedAt === 'number' && optionalString(v.clientId) && optionalString(v.error);
}

/** Closes what looks like a server and ends what looks like event streams, in state this code cannot use. */
function release(v: unknown): void {
  if (!isObject(v)) return;
  const listener = v.listener;
  if (isObject(listener) && typeof listener.close === 'function') {
    try {
      void Promise.resolve((listener.close as () => unknown).call(listener)).catch(() => undefined);
    } catch {
      // Nothing more to do with it.
    }
  }
  const clients = v.clients;
  if (clients instanceof Set || Array.isArray(clients)) {
    for (const c of clients as Iterable<unknown>) if (isObject(c) && c.stream instanceof PassThrough) c.stream.end();
  }
}

/**
 * Takes what the previous generation handed over: the parts this version can use. Anything else it held
 * is released; an unknown shape starts the dashboard fresh.
 */
export function adopt(inherited: unknown, log: Logger): Adopted {
  if (inherited === undefined) return {};
  if (!isObject(inherited) || inherited.kind !== HANDOVER_KIND || inherited.version !== 3) {
    release(inherited);
    log.info('the previous version of the dashboard handed over state this version does not read: starting fresh (open pages reconnect)');
    return { unreadable: true };
  }
  const out: { -readonly [K in keyof Adopted]: Adopted[K] } = {};

  const listener = inherited.listener;
  if (isListener(listener)) {
    if (!listener.closed) out.listener = listener;
  } else if (listener !== undefined) {
    release({ listener });
    log.info('the listener the previous version handed over is not usable: listening anew');
  }

  const clients = inherited.clients;
  if (clients instanceof Set) {
    for (const c of [...(clients as Set<unknown>)]) {
      if (isOpenClient(c)) continue;
      clients.delete(c);
      release({ clients: [c] });
    }
    out.clients = clients as Set<HubClient>;
  } else {
    release({ clients });
  }

  const transcript = inherited.transcript;
  if (isObject(transcript) && Array.isArray(transcript.entries) && Number.isSafeInteger(transcript.seq)) {
    out.transcript = { entries: transcript.entries.filter(isTranscriptEntry), seq: transcript.seq as number };
  }

  const wizard = inherited.wizard;
  if (wizard instanceof Map) {
    out.wizard = new Map([...(wizard as Map<unknown, unknown>)].filter((e): e is [string, WizardState] => typeof e[0] === 'string' && isWizardState(e[1])));
  }
  return out;
}

// The overlays plugin's public face: what the mini-games, bread fights, EventSub (and any plugin) code
// against to show things on stream. Types only, plus the pure error check.
//
//   ctx.optionalService('overlays')?.publish(ctx, 'fight', { type: 'fight', left: {…}, right: {…} });
//   ctx.optionalService('overlays')?.registerWidget(ctx, { name: 'trivia', title: 'Trivia', layout: 'game' });
//
// List `overlays` in `optionalDependsOn`. Registrations and published state belong to the `owner` (your ctx):
// a widget disappears when you unload, and a game or fight you left on screen is cleared.
import type { Owner } from '../../core/types.ts';

/**
 * How a page draws its events:
 * - `alerts`: one alert at a time, each shown for a few seconds (queued);
 * - `game`: a title, a status line and a few lines (the running game), with an optional countdown;
 * - `fight`: two fighters with HP bars;
 * - `leaderboard`: ranked rows;
 * - `list`: newest items on top (recent shop orders), the last few kept;
 * - `text`: one line of text.
 */
export type OverlayLayout = 'alerts' | 'game' | 'fight' | 'leaderboard' | 'list' | 'text';

/** The built-in overlays; plugin widgets add their own names. */
export type BuiltinOverlay = 'alerts' | 'game' | 'fight' | 'leaderboard' | 'orders';

export interface Fighter {
  readonly name: string;
  readonly hp: number;
  readonly maxHp: number;
}

export interface LeaderboardEntry {
  readonly rank: number;
  readonly name: string;
  /** Shown as given, e.g. "1,250 tokens". */
  readonly value: string;
}

export interface ListItem {
  readonly text: string;
  readonly detail?: string;
  /** Milliseconds since the epoch. */
  readonly at?: number;
}

/**
 * What a plugin publishes. Which types an overlay takes depends on its layout (see `LAYOUT_EVENTS`); every
 * layout takes `clear`. Text is always shown as text (never HTML).
 */
export type OverlayEvent =
  | { readonly type: 'alert'; readonly title: string; readonly text?: string; readonly user?: string; readonly kind?: string; readonly durationMs?: number }
  | { readonly type: 'game'; readonly title: string; readonly status?: string; readonly lines?: readonly string[]; readonly endsAt?: number }
  | { readonly type: 'fight'; readonly left: Fighter; readonly right: Fighter; readonly text?: string; readonly winner?: 'left' | 'right' }
  | { readonly type: 'leaderboard'; readonly title?: string; readonly rows: readonly LeaderboardEntry[] }
  | { readonly type: 'list'; readonly title?: string; readonly items: readonly ListItem[] }
  | ({ readonly type: 'item' } & ListItem)
  | { readonly type: 'text'; readonly text: string; readonly title?: string }
  | { readonly type: 'clear' };

export type OverlayEventType = OverlayEvent['type'];

/** Event types each layout accepts. */
export const LAYOUT_EVENTS: Readonly<Record<OverlayLayout, readonly OverlayEventType[]>> = {
  alerts: ['alert', 'clear'],
  game: ['game', 'text', 'clear'],
  fight: ['fight', 'text', 'clear'],
  leaderboard: ['leaderboard', 'clear'],
  list: ['list', 'item', 'clear'],
  text: ['text', 'clear'],
};

export interface WidgetSpec {
  /** Lower case letters, digits, `-` and `_`; its URL is `/overlay/<name>`. Must not be a built-in's name. */
  readonly name: string;
  readonly title: string;
  readonly layout: OverlayLayout;
  /** One line for the dashboard's Overlays page. */
  readonly description?: string;
  /** The event "send test" fires (default: a sample for the layout). */
  readonly testEvent?: OverlayEvent;
}

export interface OverlayInfo {
  readonly name: string;
  readonly title: string;
  readonly layout: OverlayLayout;
  readonly description: string;
  /** Plugin that registered it (`overlays` for the built-ins). */
  readonly owner: string;
  /** The URL to paste into OBS, with its key; undefined when the overlay server does not listen. */
  readonly url: string | undefined;
  /** Pages connected right now. */
  readonly viewers: number;
}

export type OverlayErrorCode = 'UNKNOWN_OVERLAY' | 'INVALID_EVENT' | 'NOT_OWNER' | 'NAME_TAKEN' | 'INVALID_NAME';

export interface OverlayError extends Error {
  readonly code: OverlayErrorCode;
}

export function isOverlayError(err: unknown, code?: OverlayErrorCode): err is OverlayError {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown };
  return e.name === 'OverlayError' && typeof e.code === 'string' && (code === undefined || e.code === code);
}

export interface OverlaysService {
  /** Where the overlay server listens, e.g. `http://127.0.0.1:8080`; undefined when it does not. */
  readonly url: string | undefined;
  /**
   * Sends an event to the pages of `overlay`. With an `owner` (your ctx), what stays on screen (a game, a
   * fight, a list) is yours: it is cleared when you unload. Throws UNKNOWN_OVERLAY, INVALID_EVENT (a type the
   * layout does not take, or a malformed event), or NOT_OWNER (another plugin's widget).
   */
  publish(owner: Owner | undefined, overlay: string, event: OverlayEvent): void;
  /** Adds an overlay page of your own; removed when `owner` unloads (its URL and key stay for when it returns). Throws NAME_TAKEN / INVALID_NAME. */
  registerWidget(owner: Owner, spec: WidgetSpec): () => void;
  list(): OverlayInfo[];
  /** Fires the overlay's test event (the dashboard's "send test"). Throws UNKNOWN_OVERLAY. */
  test(overlay: string): Promise<OverlayEvent>;
  /** A new key for the overlay: the old URL stops working and its open pages are disconnected. */
  rotateKey(overlay: string): Promise<OverlayInfo>;
}

declare module '../../core/types.ts' {
  interface PluginServices {
    overlays: OverlaysService;
  }
}

// twurple's listeners with one change: twurple hands each notification's EventSub message id to
// `_handleSingleEventPayload` but not to the event handler. These listeners note the id for the handler (which
// is called synchronously from there) and report a repeated id once, where twurple would drop it silently.
import type { EventSubSubscription } from '@twurple/eventsub-base';
import { EventSubMiddleware, type EventSubMiddlewareConfig } from '@twurple/eventsub-http';
import { EventSubWsListener, type EventSubWsConfig } from '@twurple/eventsub-ws';

export interface MessageIds {
  /** Called when a handler's promise rejects (twurple would log it through its own logger). */
  onHandlerError: (msg: string) => void;
  /** The message id of the notification being handled right now (read it first thing in a handler). */
  readonly current: string | undefined;
  /** Called for a message id seen before in this process; the notification is dropped. */
  onRepeat: (messageId: string, subscription: EventSubSubscription) => void;
}

const REMEMBER_MS = 10 * 60 * 1000;

/** Message ids of the last ten minutes (Twitch drops older messages anyway). */
class Recent {
  private readonly at = new Map<string, number>();
  seen(id: string): boolean {
    const now = Date.now();
    if (this.at.has(id)) return true;
    this.at.set(id, now);
    if (this.at.size > 1000) for (const [k, t] of this.at) if (t < now - REMEMBER_MS) this.at.delete(k);
    return false;
  }
}

/**
 * Hands a notification to its subscription's handler with its message id noted. twurple's own dedupe is left
 * out: it keeps each id with a ten-minute timer of its own (which holds a process open), and `Recent` above
 * already drops an id seen in this process (the plugin's table drops one seen before a restart).
 */
function deliver(ids: MessageIds & { current: string | undefined }, recent: Recent, subscription: EventSubSubscription, payload: Record<string, unknown>, messageId: string): void {
  if (recent.seen(messageId)) return ids.onRepeat(messageId, subscription);
  ids.current = messageId;
  try {
    const handled = (subscription as unknown as { _handleData(body: Record<string, unknown>): Promise<void> })._handleData(payload);
    handled.catch((err: unknown) => ids.onHandlerError(`an EventSub handler failed for subscription ${subscription.id}: ${(err as Error)?.message ?? String(err)}`));
  } finally {
    ids.current = undefined;
  }
}

export type CapturingWsListener = EventSubWsListener & MessageIds & { readonly transport: 'websocket' };
export type CapturingMiddleware = EventSubMiddleware & MessageIds & { readonly transport: 'webhook' };

// Nothing of twurple is touched at the module's top level: the plugin's code then runs without twurple's
// packages, and a bot with EventSub switched off never loads them (about half a second of its start).

/** What both twurple listeners have: the method that hands one notification to its subscription. */
interface Delivering {
  _handleSingleEventPayload(subscription: EventSubSubscription, payload: Record<string, unknown>, messageId: string): void;
}

/** `Base` with the message id noted for the handler and a repeated id reported (see `deliver`). */
function capturing<C, L extends Delivering, T extends 'websocket' | 'webhook'>(Base: new (config: C) => L, config: C, transport: T): L & MessageIds & { readonly transport: T } {
  const recent = new Recent();
  const ids: MessageIds & { current: string | undefined } = { current: undefined, onRepeat: () => undefined, onHandlerError: () => undefined };
  const listener = new Base(config);
  listener._handleSingleEventPayload = (subscription, payload, messageId) => deliver(ids, recent, subscription, payload, messageId);
  // The listener is its own MessageIds: what the connection sets on it (onRepeat, onHandlerError) is read by deliver.
  return Object.defineProperties(listener, {
    transport: { value: transport },
    current: { get: () => ids.current },
    onRepeat: { get: () => ids.onRepeat, set: (fn: MessageIds['onRepeat']) => (ids.onRepeat = fn) },
    onHandlerError: { get: () => ids.onHandlerError, set: (fn: MessageIds['onHandlerError']) => (ids.onHandlerError = fn) },
  }) as L & MessageIds & { readonly transport: T };
}

export function capturingWsListener(config: EventSubWsConfig): CapturingWsListener {
  return capturing(EventSubWsListener, config, 'websocket');
}

export function capturingMiddleware(config: EventSubMiddlewareConfig): CapturingMiddleware {
  return capturing(EventSubMiddleware, config, 'webhook');
}

// twurple's listeners with one addition: twurple hands each notification's EventSub message id to
// `_handleSingleEventPayload` but not to the event handler, and forgets the ids it saw after 10 minutes.
// These subclasses note the id for the handler (which twurple calls synchronously from there) and report a
// repeated id once, where twurple would drop it silently.
import type { EventSubSubscription } from '@twurple/eventsub-base';
import { EventSubMiddleware, type EventSubMiddlewareConfig } from '@twurple/eventsub-http';
import { EventSubWsListener, type EventSubWsConfig } from '@twurple/eventsub-ws';

export interface MessageIds {
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

export class CapturingWsListener extends EventSubWsListener implements MessageIds {
  current: string | undefined;
  onRepeat: MessageIds['onRepeat'] = () => undefined;
  private readonly recent = new Recent();
  constructor(config: EventSubWsConfig) {
    super(config);
  }
  override _handleSingleEventPayload(subscription: EventSubSubscription, payload: Record<string, unknown>, messageId: string): void {
    if (this.recent.seen(messageId)) return this.onRepeat(messageId, subscription);
    this.current = messageId;
    try {
      super._handleSingleEventPayload(subscription, payload, messageId);
    } finally {
      this.current = undefined;
    }
  }
}

export class CapturingMiddleware extends EventSubMiddleware implements MessageIds {
  current: string | undefined;
  onRepeat: MessageIds['onRepeat'] = () => undefined;
  private readonly recent = new Recent();
  constructor(config: EventSubMiddlewareConfig) {
    super(config);
  }
  override _handleSingleEventPayload(subscription: EventSubSubscription, payload: Record<string, unknown>, messageId: string): void {
    if (this.recent.seen(messageId)) return this.onRepeat(messageId, subscription);
    this.current = messageId;
    try {
      super._handleSingleEventPayload(subscription, payload, messageId);
    } finally {
      this.current = undefined;
    }
  }
}

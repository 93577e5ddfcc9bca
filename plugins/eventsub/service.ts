// The plugin's public face: what the dashboard page (and any other plugin) reads and does. Types only.
import type { Outcome } from './actions.ts';
import type { ConnectionView, SubscriptionView } from './connection.ts';
import type { EventType } from './events.ts';
import type { RewardView } from './rewards.ts';

export interface RecentEvent {
  readonly key: string;
  readonly type: string;
  readonly test: boolean;
  readonly login: string | null;
  readonly summary: string;
  /** done, failed, skipped, processing. */
  readonly status: string;
  /** What was done, or why not. */
  readonly detail: string;
  readonly receivedAt: number;
}

export interface EventSubStatus {
  readonly connection: ConnectionView;
  readonly broadcaster: { readonly login: string; readonly source: string; readonly scopes: readonly string[] } | null;
  readonly subscriptions: readonly SubscriptionView[];
  readonly rewards: readonly RewardView[];
}

export interface TestEventOptions {
  /** The viewer it comes from (login); default `testviewer`. */
  readonly login?: string;
  /** Redemption: the reward title (default the first configured); what the viewer typed. */
  readonly reward?: string;
  readonly input?: string;
  /** Cheer bits (default 100), raid viewers (default 10), gifted subs (default 1). */
  readonly amount?: number;
}

export interface EventSubService {
  status(): EventSubStatus;
  recent(limit?: number): Promise<RecentEvent[]>;
  /** Runs an event of this type through the same action path as a real one, marked as a test (nothing goes to Twitch). */
  test(type: EventType, options?: TestEventOptions): Promise<Outcome>;
}

declare module '../../core/types.ts' {
  interface PluginServices {
    eventsub: EventSubService;
  }
}

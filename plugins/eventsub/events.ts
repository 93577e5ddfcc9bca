// The events the plugin acts on, in one shape whatever brought them (WebSocket, webhook, the dashboard's test
// button), and the step from twurple's event objects to that shape. A payload that lacks a field an action
// needs is refused here with the names of the missing fields, so the caller logs it and skips it.
import type {
  EventSubChannelCheerEvent,
  EventSubChannelFollowEvent,
  EventSubChannelRaidEvent,
  EventSubChannelRedemptionAddEvent,
  EventSubChannelSubscriptionEvent,
  EventSubChannelSubscriptionGiftEvent,
  EventSubChannelSubscriptionMessageEvent,
} from '@twurple/eventsub-base';

export const EVENT_TYPES = ['redemption', 'follow', 'subscribe', 'resub', 'gift', 'cheer', 'raid'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface Viewer {
  readonly id: string;
  readonly login: string;
  readonly displayName: string;
}

interface Base {
  /** Idempotency key: the same event delivered again has the same key. */
  readonly key: string;
  /** Who gets the credit. */
  readonly user: Viewer;
  /** Sent from the dashboard's test button: acts the same way, marked as a test, nothing sent to Twitch. */
  readonly test: boolean;
}

export type BotEvent =
  | (Base & { readonly type: 'redemption'; readonly redemptionId: string; readonly rewardId: string; readonly reward: string; readonly input: string })
  | (Base & { readonly type: 'follow' })
  | (Base & { readonly type: 'subscribe'; readonly tier: string; readonly gifted: boolean })
  | (Base & { readonly type: 'resub'; readonly tier: string; readonly months: number; readonly message: string })
  | (Base & { readonly type: 'gift'; readonly tier: string; readonly count: number })
  | (Base & { readonly type: 'cheer'; readonly bits: number; readonly message: string })
  | (Base & { readonly type: 'raid'; readonly viewers: number });

/** A payload that cannot be acted on: which fields were missing or wrong. */
export class BadPayload extends Error {
  override name = 'BadPayload';
  readonly code = 'BAD_PAYLOAD';
  constructor(readonly eventType: EventType, readonly fields: readonly string[]) {
    super(`a ${eventType} event without ${fields.join(', ')}`);
  }
}

type Check = Record<string, unknown>;

function require(type: EventType, values: Check, kinds: Record<string, 'string' | 'number' | 'boolean'>): void {
  const bad = Object.entries(kinds)
    .filter(([name, kind]) => typeof values[name] !== kind || (kind === 'string' && values[name] === '') || (kind === 'number' && !Number.isFinite(values[name])))
    .map(([name]) => name);
  if (bad.length) throw new BadPayload(type, bad);
}

/**
 * The key of an event: the EventSub message id when the listener captured it, else the event's own id (a
 * redemption's), else its fields and timestamp. Redemptions always use their own id: Twitch gives a
 * redemption one id for life, whichever message carries it.
 */
export function keyOf(type: EventType, messageId: string | undefined, fields: readonly (string | number)[]): string {
  if (messageId) return `msg:${messageId}`;
  return `${type}:${fields.join(':')}`;
}

const viewer = (id: string, login: string, displayName: string | null | undefined): Viewer => ({ id, login, displayName: displayName || login });

export function fromRedemption(e: EventSubChannelRedemptionAddEvent): BotEvent {
  const v = { id: e.id, userId: e.userId, userName: e.userName, rewardId: e.rewardId, rewardTitle: e.rewardTitle };
  require('redemption', v, { id: 'string', userId: 'string', userName: 'string', rewardId: 'string', rewardTitle: 'string' });
  return {
    type: 'redemption',
    key: `redemption:${e.id}`,
    test: false,
    user: viewer(e.userId, e.userName, e.userDisplayName),
    redemptionId: e.id,
    rewardId: e.rewardId,
    reward: e.rewardTitle,
    input: typeof e.input === 'string' ? e.input : '',
  };
}

export function fromFollow(e: EventSubChannelFollowEvent, messageId: string | undefined): BotEvent {
  const at = e.followDate;
  require('follow', { userId: e.userId, userName: e.userName, followedAt: Number.isNaN(at.getTime()) ? undefined : at.getTime() }, { userId: 'string', userName: 'string', followedAt: 'number' });
  return { type: 'follow', key: keyOf('follow', messageId, [e.userId, at.getTime()]), test: false, user: viewer(e.userId, e.userName, e.userDisplayName) };
}

export function fromSubscription(e: EventSubChannelSubscriptionEvent, messageId: string | undefined, receivedAt: number): BotEvent {
  require('subscribe', { userId: e.userId, userName: e.userName, tier: e.tier }, { userId: 'string', userName: 'string', tier: 'string' });
  return { type: 'subscribe', key: keyOf('subscribe', messageId, [e.userId, e.tier, receivedAt]), test: false, user: viewer(e.userId, e.userName, e.userDisplayName), tier: e.tier, gifted: e.isGift === true };
}

export function fromResub(e: EventSubChannelSubscriptionMessageEvent, messageId: string | undefined, receivedAt: number): BotEvent {
  require('resub', { userId: e.userId, userName: e.userName, tier: e.tier, months: e.cumulativeMonths }, { userId: 'string', userName: 'string', tier: 'string', months: 'number' });
  return {
    type: 'resub',
    key: keyOf('resub', messageId, [e.userId, e.cumulativeMonths, receivedAt]),
    test: false,
    user: viewer(e.userId, e.userName, e.userDisplayName),
    tier: e.tier,
    months: e.cumulativeMonths,
    message: typeof e.messageText === 'string' ? e.messageText : '',
  };
}

/** An anonymous gift has no one to credit: null (the caller records it and moves on). */
export function fromGift(e: EventSubChannelSubscriptionGiftEvent, messageId: string | undefined, receivedAt: number): BotEvent | null {
  if (e.isAnonymous) return null;
  require('gift', { gifterId: e.gifterId, gifterName: e.gifterName, amount: e.amount, tier: e.tier }, { gifterId: 'string', gifterName: 'string', amount: 'number', tier: 'string' });
  const id = e.gifterId as string;
  const name = e.gifterName as string;
  return { type: 'gift', key: keyOf('gift', messageId, [id, e.amount, receivedAt]), test: false, user: viewer(id, name, e.gifterDisplayName), tier: e.tier, count: e.amount };
}

export function fromCheer(e: EventSubChannelCheerEvent, messageId: string | undefined, receivedAt: number): BotEvent | null {
  if (e.isAnonymous) return null;
  require('cheer', { userId: e.userId, userName: e.userName, bits: e.bits }, { userId: 'string', userName: 'string', bits: 'number' });
  const id = e.userId as string;
  return { type: 'cheer', key: keyOf('cheer', messageId, [id, e.bits, receivedAt]), test: false, user: viewer(id, e.userName as string, e.userDisplayName), bits: e.bits, message: typeof e.message === 'string' ? e.message : '' };
}

export function fromRaid(e: EventSubChannelRaidEvent, messageId: string | undefined, receivedAt: number): BotEvent {
  require('raid', { fromId: e.raidingBroadcasterId, fromName: e.raidingBroadcasterName, viewers: e.viewers }, { fromId: 'string', fromName: 'string', viewers: 'number' });
  return {
    type: 'raid',
    key: keyOf('raid', messageId, [e.raidingBroadcasterId, e.viewers, receivedAt]),
    test: false,
    user: viewer(e.raidingBroadcasterId, e.raidingBroadcasterName, e.raidingBroadcasterDisplayName),
    viewers: e.viewers,
  };
}

/** One line for the log and the dashboard. */
export function describe(e: BotEvent): string {
  const who = e.user.displayName;
  switch (e.type) {
    case 'redemption':
      return `${who} redeemed "${e.reward}"${e.input ? `: ${e.input}` : ''}`;
    case 'follow':
      return `${who} followed`;
    case 'subscribe':
      return `${who} subscribed (tier ${Number(e.tier) / 1000 || e.tier})${e.gifted ? ', gifted' : ''}`;
    case 'resub':
      return `${who} resubscribed (${e.months} months)`;
    case 'gift':
      return `${who} gifted ${e.count} sub${e.count === 1 ? '' : 's'}`;
    case 'cheer':
      return `${who} cheered ${e.bits} bits`;
    case 'raid':
      return `${who} raided with ${e.viewers} viewers`;
  }
}

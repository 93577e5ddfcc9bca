// Channel-point rewards the bot manages: the configured ones are created on Twitch by the bot's app (or
// adopted when it made them before), because Twitch lets only the app that created a reward change its
// redemptions' status. Then each redemption ends FULFILLED when its action succeeded, or CANCELED (Twitch
// gives the points back) when it failed. Paused on Twitch while the plugin is off.
import type { ApiClient, HelixCustomReward } from '@twurple/api';
import type { Logger } from '../../core/types.ts';
import type { RewardConfig } from './settings.ts';

export type RedemptionStatus = 'FULFILLED' | 'CANCELED';

export interface StatusChange {
  readonly rewardId: string;
  readonly redemptionId: string;
  readonly status: RedemptionStatus;
}

export type RewardState = 'created' | 'adopted' | 'foreign' | 'error' | 'offline';

export interface RewardView {
  readonly title: string;
  readonly cost: number;
  state: RewardState;
  twitchId?: string;
  detail: string;
}

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

function fields(r: RewardConfig) {
  return { title: r.title, cost: r.cost, prompt: r.prompt ?? '', userInputRequired: r.userInput ?? false };
}

function differs(t: HelixCustomReward, r: RewardConfig): boolean {
  return t.cost !== r.cost || (t.prompt ?? '') !== (r.prompt ?? '') || t.userInputRequired !== (r.userInput ?? false) || t.isPaused;
}

export class ManagedRewards {
  readonly views: RewardView[];
  constructor(
    private readonly rewards: readonly RewardConfig[],
    private readonly log: Logger,
  ) {
    this.views = rewards.map((r) => ({ title: r.title, cost: r.cost, state: 'offline', detail: 'not on Twitch yet (no broadcaster connection)' }));
  }

  /** Creates or adopts every configured reward; reports a same-title reward another app owns. */
  async sync(api: ApiClient, broadcasterId: string): Promise<void> {
    if (!this.rewards.length) return;
    const all = await api.channelPoints.getCustomRewards(broadcasterId, false);
    const ours = new Set((await api.channelPoints.getCustomRewards(broadcasterId, true)).map((r) => r.id));
    for (const [i, r] of this.rewards.entries()) {
      const view = this.views[i] as RewardView;
      const found = all.find((t) => same(t.title, r.title));
      try {
        if (found && !ours.has(found.id)) {
          Object.assign(view, {
            state: 'foreign',
            twitchId: found.id,
            detail: `a reward "${found.title}" exists on Twitch but another app made it, so the bot cannot mark its redemptions done or refund them. Delete it in the Creator Dashboard (Viewer Rewards > Channel Points) and restart this plugin, or give this reward another title.`,
          });
          this.log.warn(`reward "${r.title}": ${view.detail}`);
        } else if (found) {
          if (differs(found, r)) await api.channelPoints.updateCustomReward(broadcasterId, found.id, { ...fields(r), isPaused: false });
          Object.assign(view, { state: 'adopted', twitchId: found.id, detail: '' });
        } else {
          const made = await api.channelPoints.createCustomReward(broadcasterId, fields(r));
          Object.assign(view, { state: 'created', twitchId: made.id, detail: '' });
          this.log.info(`created the channel-point reward "${r.title}" (${r.cost} points) on Twitch`);
        }
      } catch (err) {
        Object.assign(view, { state: 'error', detail: (err as Error).message });
        this.log.error(`reward "${r.title}": Twitch refused it: ${(err as Error).message}`);
      }
    }
  }

  /** The bot can set this reward's redemptions' status. */
  manages(rewardId: string): boolean {
    return this.views.some((v) => v.twitchId === rewardId && (v.state === 'created' || v.state === 'adopted'));
  }

  async setStatus(api: ApiClient, broadcasterId: string, rewardId: string, redemptionId: string, status: RedemptionStatus): Promise<void> {
    await api.channelPoints.updateRedemptionStatusByIds(broadcasterId, rewardId, [redemptionId], status);
  }

  /**
   * Sets many redemptions' status with as few calls as Twitch allows (one per reward and status, up to 50
   * ids each): in a storm, one call per redemption would cost more than crediting them. Answers, per
   * redemption in order, the error of its call, or undefined.
   */
  async setStatuses(api: ApiClient, broadcasterId: string, items: readonly StatusChange[]): Promise<(Error | undefined)[]> {
    const groups = new Map<string, number[]>();
    items.forEach((x, i) => {
      const key = `${x.rewardId} ${x.status}`;
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    const errors: (Error | undefined)[] = items.map(() => undefined);
    const calls: Promise<void>[] = [];
    for (const indexes of groups.values()) {
      for (let n = 0; n < indexes.length; n += 50) {
        const chunk = indexes.slice(n, n + 50);
        const first = items[chunk[0]!]!;
        calls.push(
          api.channelPoints.updateRedemptionStatusByIds(broadcasterId, first.rewardId, chunk.map((i) => items[i]!.redemptionId), first.status).then(
            () => undefined,
            (err: unknown) => {
              for (const i of chunk) errors[i] = err instanceof Error ? err : new Error(String(err));
            },
          ),
        );
      }
    }
    await Promise.all(calls);
    return errors;
  }

  /** Pauses the managed rewards (the plugin is going off): viewers cannot spend points nobody acts on. */
  async pause(api: ApiClient, broadcasterId: string): Promise<void> {
    for (const v of this.views) {
      if (!v.twitchId || (v.state !== 'created' && v.state !== 'adopted')) continue;
      await api.channelPoints.updateCustomReward(broadcasterId, v.twitchId, { isPaused: true }).catch((err: unknown) => this.log.warn(`could not pause "${v.title}" on Twitch: ${(err as Error).message}`));
    }
  }
}

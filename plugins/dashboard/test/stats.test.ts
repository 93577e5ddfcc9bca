// Chat messages per minute on the Dashboard page: exact in a busy channel (more than ten thousand a
// minute) and forgetting what is older than a minute, at a constant cost per message.
import { expect } from 'chai';
import type { Batch, PluginDb } from '../../../core/types.ts';
import { Stats } from '../server/stats.ts';

describe('dashboard: chat messages per minute', () => {
  const db = { batch: () => ({ push: () => undefined, flush: async () => undefined, pending: 0 }) as unknown as Batch<unknown> } as unknown as PluginDb;

  it('counts every message of the last 60 seconds, however many', () => {
    let now = 1_800_000_000_000;
    const stats = new Stats(db, () => now);
    // 1,000 a second for 30 seconds, then 15 s of quiet.
    for (let s = 0; s < 30; s++) for (let i = 0; i < 1000; i++) stats.chatMessage(now + s * 1000 + i);
    now += 45_000;
    expect(stats.messagesPerMinute()).to.equal(30_000);
    // 20 s later the first 6 seconds are a minute old or more (counted to the second).
    now += 20_000;
    expect(stats.messagesPerMinute()).to.equal(24_000);
    // A message now reuses the slot of a second a minute ago, which no longer counts.
    stats.chatMessage(now);
    expect(stats.messagesPerMinute()).to.equal(24_001);
    now += 120_000;
    expect(stats.messagesPerMinute()).to.equal(0);
  });
});

// The WebSocket transport end to end: the real twurple EventSubWsListener against the fake EventSub.
import { expect } from 'chai';
import type { FakeEventSub } from '../../../test/support/fake-eventsub.ts';
import { payloads } from '../../../test/support/fake-eventsub.ts';
import type { TestBot } from '../../../test/support/kit.ts';
import { balance, logsOf, startBot, startFake, STREAMER, until, stopFake } from './helpers.ts';

const ALICE = { id: '2001', login: 'alice' };
const BOB = { id: '2002', login: 'bob' };

describe('eventsub over WebSocket', function () {
  this.timeout(30000);
  let fake: FakeEventSub;
  let t: TestBot | undefined;

  beforeEach(async () => {
    fake = await startFake();
  });
  afterEach(async () => {
    // The fake EventSub (WebSocket and Helix) runs in this process: its side of the bot's connections closes
    // with the fake, after this; the root hook checks that nothing is left at the end of the run.
    await t?.stop({ allowLeftovers: true });
    t = undefined;
    await stopFake(fake);
  });

  async function ready(): Promise<TestBot> {
    const bot = await startBot();
    await until(() => fake.enabled().length === 7, 'seven enabled subscriptions');
    await until(() => bot.service('eventsub').status().rewards.every((r) => r.state === 'created'), 'the rewards on Twitch');
    return bot;
  }

  it('subscribes, creates the rewards, and acts once on each event type', async () => {
    t = await ready();
    const bot = t;
    expect(fake.rewards.map((r) => [r.title, r.cost, r.ownerClientId])).to.deep.equal([
      ['Hydrate', 100, 'bakebot-client'],
      ['Fresh cookie', 300, 'bakebot-client'],
      ['Mystery box', 500, 'bakebot-client'],
    ]);
    expect(bot.service('eventsub').status().connection.status).to.equal('connected');

    const hydrate = fake.rewards[0]!;
    await fake.notify('channel.channel_points_custom_reward_redemption.add', payloads.redemption(STREAMER, { user: ALICE, rewardId: hydrate.id, title: 'Hydrate' }));
    await until(async () => (await balance(bot, ALICE.id)) === 50, 'the redemption credit');
    await until(() => fake.statusUpdates.length === 1, 'the FULFILLED update');
    expect(fake.statusUpdates[0]).to.include({ rewardId: hydrate.id, status: 'FULFILLED' });
    await bot.waitFor((o) => o.text === 'alice drinks water: +50 tokens');
    // A shop item's effect, paid with points: no tokens charged, the item's line said, then FULFILLED.
    await fake.notify('channel.channel_points_custom_reward_redemption.add', payloads.redemption(STREAMER, { user: ALICE, rewardId: fake.rewards[1]!.id, title: 'Fresh cookie' }));
    await bot.waitFor((o) => o.text.startsWith('🍪 alice munches 1 warm chocolate chip cookie'));
    await until(() => fake.statusUpdates.length === 2, 'the second FULFILLED update');
    expect(fake.statusUpdates[1]).to.include({ rewardId: fake.rewards[1]!.id, status: 'FULFILLED' });
    await until(async () => (await balance(bot, ALICE.id)) === 51, 'the cookie reward\'s token');

    await fake.notify('channel.follow', payloads.follow(STREAMER, BOB));
    await bot.waitFor((o) => o.text === 'Welcome to the bakery, bob!');
    expect(await balance(bot, BOB.id)).to.equal(5);
    expect((await bot.service('economy').getAccount(BOB.id))?.xp).to.equal(10);

    await fake.notify('channel.subscribe', payloads.subscribe(STREAMER, BOB));
    await until(async () => (await balance(bot, BOB.id)) === 105, 'the sub credit');
    await fake.notify('channel.subscribe', payloads.subscribe(STREAMER, ALICE, true)); // gifted: the gifter gets it
    await fake.notify('channel.subscription.message', payloads.resub(STREAMER, ALICE, 7));
    await until(async () => (await balance(bot, ALICE.id)) === 151, 'the resub credit');
    await fake.notify('channel.subscription.gift', payloads.gift(STREAMER, BOB, 3));
    await until(async () => (await balance(bot, BOB.id)) === 225, 'the gift credit (3 x 40)');
    await fake.notify('channel.cheer', payloads.cheer(STREAMER, ALICE, 250));
    await until(async () => (await balance(bot, ALICE.id)) === 171, 'the cheer credit (2 x 10 per 100 bits)');
    await fake.notify('channel.raid', payloads.raid(STREAMER, { id: '3001', login: 'raider' }, 40));
    await until(async () => (await balance(bot, '3001')) === 30, 'the raid credit, capped at max');
    await bot.waitFor((o) => o.text === 'raider raided with 40!');

    const recent = await bot.service('eventsub').recent();
    expect(recent.map((e) => e.status)).to.deep.equal(['done', 'done', 'done', 'done', 'skipped', 'done', 'done', 'done', 'done']);
    expect((await bot.service('economy').check()).ok).to.equal(true);
  });

  it('pays a redelivered message once, also after a restart', async () => {
    t = await ready();
    const hydrate = fake.rewards[0]!;
    const redemption = payloads.redemption(STREAMER, { user: ALICE, rewardId: hydrate.id, title: 'Hydrate' });
    const follow = payloads.follow(STREAMER, BOB);
    const r1 = await fake.notify('channel.channel_points_custom_reward_redemption.add', redemption);
    const f1 = await fake.notify('channel.follow', follow);
    await until(async () => (await balance(t!, BOB.id)) === 5 && (await balance(t!, ALICE.id)) === 50, 'both credits');
    // The same messages again, in this process: dropped (and said once in the log).
    await fake.notify('channel.channel_points_custom_reward_redemption.add', redemption, { messageId: r1 });
    await fake.notify('channel.follow', follow, { messageId: f1 });
    await until(() => logsOf(t!, /dropped a repeated EventSub message/).length === 2, 'the repeats logged');

    const dir = t.dir;
    await t.stop({ keepDir: true, allowLeftovers: true });
    t = await startBot({ dir });
    await until(() => fake.enabled().length === 7, 'the subscriptions of the restarted bot');
    // The same redemption under a new message id (Twitch redelivers), and the follow with its old message id.
    await fake.notify('channel.channel_points_custom_reward_redemption.add', redemption);
    await fake.notify('channel.follow', follow, { messageId: f1 });
    await until(() => logsOf(t!, /dropped a redelivered event/).length === 2, 'both redeliveries dropped');
    expect(await balance(t, ALICE.id)).to.equal(50);
    expect(await balance(t, BOB.id)).to.equal(5);
    expect(fake.statusUpdates.filter((u) => u.status === 'FULFILLED')).to.have.length(1);
  });

  it('cancels a redemption whose action failed, with the reason', async () => {
    t = await ready();
    await t.service('economy').setExcluded(ALICE.id, true).catch(async () => {
      await t!.bot.users.ensure({ id: ALICE.id, login: ALICE.login });
      await t!.service('economy').credit(ALICE.id, 1, { reason: 'open the account' });
      await t!.service('economy').setExcluded(ALICE.id, true);
    });
    const hydrate = fake.rewards[0]!;
    await fake.notify('channel.channel_points_custom_reward_redemption.add', payloads.redemption(STREAMER, { user: ALICE, rewardId: hydrate.id, title: 'Hydrate' }));
    await until(() => fake.statusUpdates.length === 1, 'the status update');
    expect(fake.statusUpdates[0]).to.include({ status: 'CANCELED' });
    // Logged when Twitch's answer is back, which can be a moment after the fake has the update.
    await until(() => logsOf(t!, /canceled alice's "Hydrate" redemption .*excluded from the economy/).length === 1, 'the cancel logged with its reason');
    const [event] = await t.service('eventsub').recent(1);
    expect(event).to.include({ status: 'failed' });
    expect(event?.detail).to.match(/excluded from the economy/);

    // A shop effect that cannot run (no such item in the shop) cancels too.
    const box = fake.rewards[2]!;
    await fake.notify('channel.channel_points_custom_reward_redemption.add', payloads.redemption(STREAMER, { user: BOB, rewardId: box.id, title: 'Mystery box' }));
    await until(() => fake.statusUpdates.length === 2, 'the second status update');
    expect(fake.statusUpdates[1]).to.include({ rewardId: box.id, status: 'CANCELED' });
    expect((await t.service('eventsub').recent(1))[0]?.detail).to.match(/mystery_box/);
    expect(await balance(t, BOB.id)).to.equal(0);
  });

  it('credits a burst arriving in one read together, each once, with one failing action among them', async () => {
    t = await ready();
    const bot = t;
    await bot.bot.users.ensure({ id: ALICE.id, login: ALICE.login });
    await bot.service('economy').credit(ALICE.id, 1, { reason: 'open the account' });
    await bot.service('economy').setExcluded(ALICE.id, true);
    const hydrate = fake.rewards[0]!;
    const viewers = Array.from({ length: 30 }, (_, i) => ({ id: `40${i}`, login: `burst${i}` }));
    const redemptions = viewers.slice(0, 15).map((user) => payloads.redemption(STREAMER, { user, rewardId: hydrate.id, title: 'Hydrate' }));
    const follows = viewers.slice(15).map((user) => payloads.follow(STREAMER, user));
    // Not awaited one by one: the fake writes every frame in this turn, so the bot reads them together. A
    // redelivery of one of them (a new message id) and alice's redemption (the economy refuses her) ride along.
    const sends = [
      ...redemptions.slice(0, 7).map((r) => fake.notify('channel.channel_points_custom_reward_redemption.add', r)),
      fake.notify('channel.channel_points_custom_reward_redemption.add', payloads.redemption(STREAMER, { user: ALICE, rewardId: hydrate.id, title: 'Hydrate' })),
      ...redemptions.slice(7).map((r) => fake.notify('channel.channel_points_custom_reward_redemption.add', r)),
      ...follows.map((f) => fake.notify('channel.follow', f)),
      fake.notify('channel.channel_points_custom_reward_redemption.add', redemptions[3]!),
    ];
    const ids = await Promise.all(sends);
    // A follow is redelivered under its message id (a redemption under its own id, whatever the message's).
    const followIds = ids.slice(16, 31);
    // Marked on Twitch together too: one call per reward and status (up to 50 redemptions each), not one each.
    const marked = () => fake.statusUpdates.flatMap((u) => u.redemptionIds.map((id) => `${u.status} ${id}`));
    await until(() => marked().length === 16, 'a status for each of the 16 redemptions');
    expect(marked().filter((m) => m.startsWith('CANCELED'))).to.have.length(1);
    expect(new Set(marked().filter((m) => m.startsWith('FULFILLED'))).size).to.equal(15);
    expect(fake.statusUpdates.length).to.be.below(16);
    for (const v of viewers.slice(0, 15)) expect(await balance(bot, v.id), v.login).to.equal(50);
    await until(async () => (await balance(bot, viewers[29]!.id)) === 5, 'the follows');
    for (const v of viewers.slice(15)) expect(await balance(bot, v.id), v.login).to.equal(5);
    expect(await balance(bot, ALICE.id)).to.equal(1);
    const ledger = await bot.storage.all<{ n: number }>("SELECT count(*) AS n FROM economy_ledger WHERE source = 'eventsub'");
    expect(ledger[0]?.n).to.equal(30 * 2); // tokens and XP rows: 15 x (50 + 5 XP), 15 x (5 + 10 XP)
    expect(logsOf(bot, /dropped a redelivered event/)).to.have.length(1);
    expect(logsOf(bot, /canceled alice's "Hydrate" redemption .*excluded from the economy/)).to.have.length(1);
    // The burst was written in batches, not one transaction per event.
    expect(logsOf(bot, /one by one/)).to.have.length(0);
    await bot.waitFor((o) => o.text === 'burst14 drinks water: +50 tokens');
    expect((await bot.service('economy').check()).ok).to.equal(true);

    // The whole burst again after a restart, in one read (Twitch redelivers): every event is dropped.
    const dir = bot.dir;
    await bot.stop({ keepDir: true, allowLeftovers: true });
    t = await startBot({ dir });
    await until(() => fake.enabled().length === 7, 'the subscriptions of the restarted bot');
    await Promise.all([
      ...redemptions.map((r) => fake.notify('channel.channel_points_custom_reward_redemption.add', r)),
      ...follows.map((f, i) => fake.notify('channel.follow', f, { messageId: followIds[i] })),
    ]);
    await until(() => logsOf(t!, /dropped a redelivered event/).length === 30, 'all 30 redeliveries dropped');
    for (const v of viewers.slice(0, 15)) expect(await balance(t, v.id), v.login).to.equal(50);
    for (const v of viewers.slice(15)) expect(await balance(t, v.id), v.login).to.equal(5);
    const after = await t.storage.all<{ n: number }>("SELECT count(*) AS n FROM economy_ledger WHERE source = 'eventsub'");
    expect(after[0]?.n).to.equal(60);
  });

  it('cancels a game reward when the mini-games are not running', async () => {
    t = await startBot({ settings: { rewards: [{ title: 'Flour fight', cost: 1000, game: 'trivia', tokens: 5 }] } });
    await until(() => fake.rewards.length === 1 && t!.service('eventsub').status().rewards[0]?.state === 'created', 'the reward on Twitch');
    await until(() => fake.enabled().length === 7, 'the subscriptions');
    await fake.notify('channel.channel_points_custom_reward_redemption.add', payloads.redemption(STREAMER, { user: ALICE, rewardId: fake.rewards[0]!.id, title: 'Flour fight' }));
    await until(() => fake.statusUpdates.length === 1, 'the status update');
    expect(fake.statusUpdates[0]).to.include({ status: 'CANCELED' });
    expect((await t.service('eventsub').recent(1))[0]?.detail).to.equal('game "trivia" needs the minigames plugin, which is not running');
    expect(await balance(t, ALICE.id)).to.equal(0);
  });

  it('starts a mini-game for a game reward, credits its tokens and fulfils it; a second one while it runs is cancelled', async () => {
    t = await startBot({ plugins: ['economy', 'shop', 'minigames', 'eventsub'], settings: { rewards: [{ title: 'Flour fight', cost: 1000, game: 'trivia', tokens: 5 }] } });
    await until(() => fake.rewards.length === 1 && t!.service('eventsub').status().rewards[0]?.state === 'created', 'the reward on Twitch');
    await until(() => fake.enabled().length === 7, 'the subscriptions');
    const reward = fake.rewards[0]!;
    await fake.notify('channel.channel_points_custom_reward_redemption.add', payloads.redemption(STREAMER, { user: ALICE, rewardId: reward.id, title: 'Flour fight' }));
    await until(() => fake.statusUpdates.length === 1, 'the status update');
    expect(fake.statusUpdates[0]).to.include({ status: 'FULFILLED' });
    const game = t.service('minigames').running();
    expect(game?.type).to.equal('trivia');
    expect(await balance(t, ALICE.id)).to.equal(5);
    await fake.notify('channel.channel_points_custom_reward_redemption.add', payloads.redemption(STREAMER, { user: BOB, rewardId: reward.id, title: 'Flour fight' }));
    await until(() => fake.statusUpdates.length === 2, 'the second status update');
    expect(fake.statusUpdates[1]).to.include({ status: 'CANCELED' });
    expect(await balance(t, BOB.id)).to.equal(0);
  });

  it('follows session_reconnect and a dropped connection, and shows a revocation', async () => {
    t = await ready();
    fake.reconnect();
    await until(() => t!.service('eventsub').status().connection.reconnects === 1, 'the move to the new connection');
    await fake.notify('channel.follow', payloads.follow(STREAMER, BOB));
    await until(async () => (await balance(t!, BOB.id)) === 5, 'a follow after the move');
    expect(fake.subscriptions).to.have.length(7); // moved, not subscribed again

    fake.dropConnections();
    await until(() => logsOf(t!, /EventSub WebSocket disconnected/).length === 1, 'the disconnect logged');
    await until(() => t!.service('eventsub').status().connection.reconnects === 2 && fake.enabled().length === 7, 'reconnected and subscribed again', 15000);
    await fake.notify('channel.follow', payloads.follow(STREAMER, ALICE));
    await until(async () => (await balance(t!, ALICE.id)) === 5, 'a follow after the reconnect');

    await fake.revoke('channel.cheer', 'authorization_revoked');
    await until(() => t!.service('eventsub').status().subscriptions.find((s) => s.topic === 'channel.cheer')?.status === 'revoked', 'the revocation');
    const cheer = t.service('eventsub').status().subscriptions.find((s) => s.topic === 'channel.cheer');
    expect(cheer?.detail).to.match(/authorization_revoked/);
    expect(logsOf(t, /revoked the channel.cheer subscription \(authorization_revoked/)).to.have.length(1);
  });

  it('makes a revoked subscription again after the token was refreshed, and pauses the rewards when off', async () => {
    t = await startBot({ env: { TWITCH_BROADCASTER_REFRESH_TOKEN: `refresh-${STREAMER.id}` } });
    await until(() => fake.enabled().length === 7, 'seven enabled subscriptions');
    await until(() => t!.service('eventsub').status().rewards.every((r) => r.state === 'created'), 'the rewards on Twitch');
    await fake.revoke('channel.cheer', 'authorization_revoked');
    await until(() => t!.service('eventsub').status().subscriptions.some((s) => s.status === 'revoked'), 'the revocation');
    // The token expires; the next Helix call (marking a redemption done) gets 401, twurple refreshes it.
    fake.expire('broadcaster-token');
    await fake.notify('channel.channel_points_custom_reward_redemption.add', payloads.redemption(STREAMER, { user: ALICE, rewardId: fake.rewards[0]!.id, title: 'Hydrate' }));
    await until(() => fake.statusUpdates.length === 1, 'the FULFILLED update with the refreshed token');
    expect(fake.refreshed).to.equal(1);
    await until(() => fake.enabled('channel.cheer').length === 1, 'the cheer subscription made again');
    await until(() => t!.service('eventsub').status().subscriptions.every((s) => s.status === 'enabled'), 'every subscription enabled');
    expect(logsOf(t, /refreshed and saved; making failed subscriptions again/)).to.have.length(1);

    await t.host.setEnabled('eventsub', false);
    expect(fake.rewards.map((r) => r.is_paused)).to.deep.equal([true, true, true]);
  });

  it('names the missing scope and skips a payload with missing fields', async () => {
    await fake.stop();
    fake = await startFake(['channel:manage:redemptions', 'moderator:read:followers']);
    t = await startBot();
    await until(() => fake.enabled().length === 3, 'the subscriptions the scopes allow (redemptions, follows, raids)');
    const subs = t.service('eventsub').status().subscriptions;
    expect(subs.filter((s) => s.status === 'missing scope').map((s) => s.detail)).to.include('the broadcaster token lacks the scope bits:read');
    expect(logsOf(t, /lacks the scope channel:read:subscriptions/)).to.have.length(3);

    const bad = payloads.follow(STREAMER, BOB) as Record<string, unknown>;
    delete bad.user_id;
    await fake.notify('channel.follow', bad);
    await until(() => logsOf(t!, /skipped a follow event without userId/).length === 1, 'the skip logged');
    await fake.notify('channel.follow', payloads.follow(STREAMER, BOB));
    await until(async () => (await balance(t!, BOB.id)) === 5, 'the next follow still acted on');
  });
});

// The webhook transport: twurple's EventSubMiddleware in the plugin's Koa app on EVENTSUB_PORT, verified and
// fed by the fake EventSub like Twitch would (signed), plus forged, stale and replayed messages.
import net, { type AddressInfo } from 'node:net';
import { expect } from 'chai';
import { payloads, sendWebhook, type FakeEventSub } from '../../../test/support/fake-eventsub.ts';
import type { TestBot } from '../../../test/support/kit.ts';
import { balance, logsOf, startBot, startFake, STREAMER, until, stopFake } from './helpers.ts';

const SECRET = 'a-webhook-secret-for-tests';
const BOB = { id: '2002', login: 'bob' };

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('eventsub over webhooks', function () {
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

  it('is verified, acts on a signed notification once, and refuses forged, stale and replayed ones', async () => {
    const port = await freePort();
    fake.webhookTarget = `http://127.0.0.1:${port}`;
    // Switched on, signed and placed from the environment, as the seed's variables do.
    t = await startBot({
      plugins: ['economy', 'shop'],
      settings: { transport: 'webhook', publicUrl: 'https://bot.example.com/twitch', rewards: [] },
      env: { TWITCH_CLIENT_SECRET: 'app-secret', ENABLE_EVENTSUB: 'true', EVENTSUB_SECRET: SECRET, EVENTSUB_PORT: String(port) },
    });
    expect(t.host.pluginConfig('eventsub')).to.include({ secret: SECRET, port });
    await until(() => fake.enabled().length === 6, 'six verified webhook subscriptions');
    const follow = fake.enabled('channel.follow')[0]!;
    expect(follow.transport).to.include({ method: 'webhook' });
    expect((follow.transport as { callback: string }).callback).to.match(/^https:\/\/bot\.example\.com\/twitch\/event\//);
    expect(t.service('eventsub').status().connection).to.include({ transport: 'webhook', status: 'connected' });

    const first = await fake.notify('channel.follow', payloads.follow(STREAMER, BOB));
    await until(async () => (await balance(t!, BOB.id)) === 5, 'the follow credit');

    const url = fake.callback(follow);
    const body = { subscription: { id: follow.id, type: 'channel.follow', version: '2', status: 'enabled', condition: follow.condition, created_at: follow.created_at, cost: 0 }, event: payloads.follow(STREAMER, { id: '2003', login: 'carol' }) };
    const forged = await sendWebhook({ url, secret: SECRET, signWith: 'not-the-right-secret', type: 'notification', body });
    expect(forged.status).to.equal(410);
    const stale = await sendWebhook({ url, secret: SECRET, type: 'notification', body, timestamp: new Date(Date.now() - 11 * 60 * 1000).toISOString() });
    expect(stale.status).to.be.within(200, 299);
    const replay = await sendWebhook({ url, secret: SECRET, type: 'notification', body, messageId: first });
    expect(replay.status).to.be.within(200, 299);

    await until(() => logsOf(t!, /dropped a repeated EventSub message/).length === 1, 'the replay logged');
    expect(logsOf(t, /refused a webhook notification .*signature does not match EVENTSUB_SECRET/)).to.have.length(1);
    expect(logsOf(t, /dropped a webhook notification .*older than 10 minutes/)).to.have.length(1);
    expect(await balance(t, '2003')).to.equal(0);
    expect(await balance(t, BOB.id)).to.equal(5);
  });

  it('refuses a secret outside 10-100 characters, naming the variable', async () => {
    let error: Error | undefined;
    await startBot({ settings: { transport: 'webhook' }, env: { EVENTSUB_SECRET: 'short' } }).then((bot) => bot.stop({ allowLeftovers: true }), (err: Error) => (error = err));
    expect(error?.message).to.match(/plugins\.eventsub\.secret: must NOT have fewer than 10 characters \(set by EVENTSUB_SECRET\)/);
  });

  it('says what is missing for webhooks', async () => {
    t = await startBot({ settings: { transport: 'webhook', rewards: [] } });
    await until(() => t!.service('eventsub').status().connection.status === 'error', 'the error');
    expect(t.service('eventsub').status().connection.detail).to.match(/EVENTSUB_SECRET/);
  });
});

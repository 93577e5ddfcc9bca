// Timers: every N minutes, only after M chat lines, offset from each other, through the outbox.
import { expect } from 'chai';
import { FakeClock, settle, startTestBot, type TestBot } from '../../../test/support/kit.ts';

describe('timers', function () {
  this.timeout(20_000);
  let t: TestBot;
  let clock: FakeClock;

  const posts = (text: RegExp) => t.outputs.filter((o) => !o.replyTo && text.test(o.text));

  beforeEach(async () => {
    clock = new FakeClock('2026-01-15T12:00:00Z');
    t = await startTestBot({
      plugins: ['commands'],
      clock,
      config: {
        bot: { channels: ['bakery'] },
        plugins: {
          commands: {
            timers: {
              follow: { message: 'Follow the bakery in {channel}!', minutes: 10, minLines: 3 },
              socials: { message: 'Socials: !discord', minutes: 10, minLines: 0 },
              quiet: { message: 'never posted', minutes: 1, minLines: 0, enabled: false },
            },
          },
        },
      },
    });
  });
  afterEach(() => t.stop());

  it('waits for chat activity before posting, then waits again', async () => {
    await clock.advance(10 * 60_000);
    expect(posts(/^Follow/), 'due, but nobody talked').to.have.length(0);
    await clock.advance(30 * 60_000);
    expect(posts(/^Follow/), 'still nobody').to.have.length(0);
    t.say('crumb', 'hello');
    t.say('flour', 'hi');
    await settle(50);
    expect(posts(/^Follow/)).to.have.length(0);
    t.say('crumb', 'anyone baking?');
    await t.waitFor((o) => o.text === 'Follow the bakery in bakery!');
    expect(posts(/^Follow/)).to.have.length(1);
    // The next one needs another 10 minutes and three new lines.
    await clock.advance(10 * 60_000);
    expect(posts(/^Follow/)).to.have.length(1);
    for (const line of ['a', 'b', 'c']) t.say('crumb', line);
    await t.waitFor((o) => posts(/^Follow/).length === 2 || o.text === 'never');
    expect(posts(/^Follow/)).to.have.length(2);
    expect(posts(/never posted/), 'a disabled timer stays quiet').to.have.length(0);
  });

  it('offsets timers so they do not fire together', async () => {
    await clock.advance(10 * 60_000);
    const first = posts(/^Socials/).length;
    expect(first, 'the second timer starts later (offset by half the interval)').to.equal(0);
    await clock.advance(5 * 60_000);
    expect(posts(/^Socials/)).to.have.length(1);
    const views = t.service('commands').timers();
    const follow = views.find((v) => v.name === 'follow');
    expect(follow?.lines).to.deep.equal({});
    expect(follow?.nextAt).to.equal(new Date('2026-01-15T12:20:00Z').getTime());
  });

  it('keeps line counts and the schedule through a reload (a timer edited on the dashboard)', async () => {
    t.say('crumb', 'one');
    t.say('crumb', 'two');
    await settle(50);
    const before = t.service('commands').timers().find((v) => v.name === 'follow');
    expect(before?.lines).to.deep.equal({ bakery: 2 });
    await t.host.reload('commands');
    const after = t.service('commands').timers().find((v) => v.name === 'follow');
    expect(after?.lines).to.deep.equal({ bakery: 2 });
    expect(after?.nextAt).to.equal(before?.nextAt);
  });
});

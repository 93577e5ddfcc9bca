// The outbox runs on the bot's clock: Twitch's send window, the duplicate rule and the age limit of a reply
// are tested by moving a fake clock, with a stand-in for a limited transport that records what it was given.
import { expect } from 'chai';
import type { Transport, TransportSink } from '../../core/chat.ts';
import { FakeClock, startTestBot, type TestBot } from '../support/kit.ts';

const CHANNEL = 'streamer';

interface StandIn extends Transport {
  readonly sent: { text: string; at: number }[];
  connected: boolean;
  sink?: TransportSink;
}

function standIn(clock: FakeClock): StandIn {
  const t: StandIn = {
    kind: 'twitch',
    status: 'connected',
    channels: [CHANNEL],
    limited: true,
    sent: [],
    connected: true,
    start: async (sink) => void (t.sink = sink),
    stop: async () => undefined,
    canSend: () => t.connected,
    isMod: () => false,
    send: (_channel, text) => {
      if (!t.connected) return false;
      t.sent.push({ text, at: clock.now() });
      return true;
    },
  };
  return t;
}

describe('chat outbox on the bot\'s clock', () => {
  let t: TestBot;
  let clock: FakeClock;
  let twitch: StandIn;

  beforeEach(async () => {
    clock = new FakeClock('2026-01-15T12:00:00Z');
    t = await startTestBot({ clock, chatLimits: { windowMs: 30_000, perWindow: 2, duplicateWindowMs: 30_000, maxWaitMs: 60_000 } });
    twitch = standIn(clock);
    await t.bot.chat.add(twitch);
  });
  afterEach(() => t.stop());

  it('holds what Twitch\'s window does not allow until the clock gets there, and is idle only then', async () => {
    const chat = t.bot.chat.chatFor('test');
    for (const text of ['one', 'two', 'three']) await chat.say(CHANNEL, text);
    expect(twitch.sent.map((s) => s.text)).to.deep.equal(['one', 'two']);
    expect(t.bot.chat.isIdle).to.equal(false);
    let failure: Error | undefined;
    await t.idle({ timeout: 100 }).catch((err: Error) => (failure = err));
    expect(failure?.message).to.match(/1 message\(s\) in the outbox/);
    await clock.advance(29_000);
    expect(twitch.sent).to.have.length(2);
    await clock.advance(2_000);
    await t.idle();
    expect(twitch.sent.map((s) => s.text)).to.deep.equal(['one', 'two', 'three']);
    expect((twitch.sent[2]?.at ?? 0) - (twitch.sent[0]?.at ?? 0)).to.be.at.least(30_000);
  });

  it('marks a repeat within the duplicate window, and not after it', async () => {
    const chat = t.bot.chat.chatFor('test');
    await chat.say(CHANNEL, 'same');
    await chat.say(CHANNEL, 'same');
    expect(twitch.sent[1]?.text).to.not.equal('same');
    expect(twitch.sent[1]?.text.startsWith('same')).to.equal(true);
    await clock.advance(31_000);
    await chat.say(CHANNEL, 'same');
    await t.idle();
    expect(twitch.sent[2]?.text).to.equal('same');
  });

  it('drops a reply that waited longer than maxWaitMs for the connection', async () => {
    twitch.connected = false;
    const chat = t.bot.chat.chatFor('test');
    await chat.say(CHANNEL, 'stale');
    // Waiting for the connection is not work of the bot's: idle.
    await t.idle();
    await clock.advance(61_000);
    await chat.say(CHANNEL, 'fresh');
    twitch.connected = true;
    twitch.sink?.writable();
    await t.idle();
    expect(twitch.sent.map((s) => s.text)).to.deep.equal(['fresh']);
    expect(t.bot.logs.recent().some((e) => /gave up a reply: it waited 61 s to be sent/.test(e.msg) && e.data?.text === 'stale')).to.equal(true);
  });
});

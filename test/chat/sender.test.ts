// The sender of a Twitch chat message is read from the message's tags (core/twitch.ts senderOf) rather than
// through twurple's ChatUser, which allocates a lot per message. Same meaning: checked against ChatUser.
import { expect } from 'chai';
import { ChatUser, parseTwitchMessage } from '@twurple/chat';
import { cheapTraceLines, Senders, senderOf } from '../../core/twitch.ts';
import type { Role } from '../../core/types.ts';

function viaTwurple(name: string, tags: Map<string, string>) {
  // twurple builds ChatUser itself; its constructor is not in the typings.
  const u = new (ChatUser as unknown as new (userName: string, userData: Map<string, string>) => ChatUser)(name, tags);
  const roles: Role[] = [];
  if (u.isBroadcaster) roles.push('broadcaster');
  if (u.isMod) roles.push('moderator');
  if (u.isVip) roles.push('vip');
  if (u.isSubscriber) roles.push('subscriber');
  if (u.isFounder) roles.push('founder');
  return { id: u.userId ?? '', login: u.userName, displayName: u.displayName || u.userName, roles, badges: Object.fromEntries(u.badges) };
}

describe('twitch: the sender from the tags', () => {
  const cases: [string, Record<string, string>][] = [
    ['Viewer', { 'user-id': '1', 'display-name': 'Viewer' }],
    ['streamer', { 'user-id': '2', 'display-name': 'Streamer', badges: 'broadcaster/1,subscriber/3012' }],
    ['moddy', { 'user-id': '3', badges: 'moderator/1,partner/1', mod: '1' }],
    ['lead', { 'user-id': '4', badges: 'lead_moderator/1' }],
    ['vipper', { 'user-id': '5', badges: 'vip/1', vip: '1' }],
    ['notvip', { 'user-id': '6', vip: '0' }],
    ['vipbadgeonly', { 'user-id': '7', badges: 'vip/1' }],
    ['founder', { 'user-id': '8', badges: 'founder/0', 'display-name': '' }],
    ['odd', { 'user-id': '9', badges: 'glhf-pledge,bits/100,,turbo/' }],
    ['ユーザー', { 'user-id': '10', 'display-name': '名前', badges: 'subscriber/0' }],
    ['empty', { 'user-id': '', badges: '' }],
  ];
  for (const [name, tags] of cases) {
    it(`${name} ${JSON.stringify(tags)}`, () => {
      const map = new Map(Object.entries(tags));
      expect(senderOf(map, name)).to.deep.equal(viaTwurple(name, map));
    });
  }
});

describe('twitch: senders are built once per chatter', () => {
  it('reuses the sender while its tags stay the same, and builds a new one when they change', () => {
    const senders = new Senders();
    const of = (m: Map<string, string>, name: string) => senders.from(m.get('user-id') ?? '', m.get('badges') ?? '', m.get('vip'), m.get('display-name') ?? '', name);
    const tags = (extra: Record<string, string> = {}) => new Map(Object.entries({ 'user-id': '42', 'display-name': 'Alice', badges: 'subscriber/3', ...extra }));
    const first = of(tags(), 'alice');
    expect(of(tags(), 'alice')).to.equal(first);
    expect(first).to.deep.equal(senderOf(tags(), 'alice'));
    // Shared by every plugin: nobody may change it for the others.
    expect(Object.isFrozen(first) && Object.isFrozen(first.roles) && Object.isFrozen(first.badges)).to.equal(true);
    for (const [changed, name] of [[{ badges: 'moderator/1,subscriber/3' }, 'alice'], [{ 'display-name': 'ALICE' }, 'alice'], [{ vip: '1' }, 'alice'], [{}, 'alice2']] as const) {
      const next = of(tags(changed), name);
      expect(next).to.not.equal(first);
      expect(next).to.deep.equal(senderOf(tags(changed), name));
    }
    // Another chatter is their own sender.
    expect(of(new Map([['user-id', '43']]), 'bob')).to.deep.include({ id: '43', login: 'bob' });
  });
});

describe("twitch: twurple's trace line per message is cheap", () => {
  // The Twitch connection calls this; here it changes this test process's twurple the same way (nothing else here
  // serializes twurple's messages).
  it('makes a parsed message serialize to its command, and leaves other objects alone', () => {
    const line = '@badges=subscriber/3;display-name=Viewer;id=m1;user-id=7 :viewer!viewer@viewer.tmi.twitch.tv PRIVMSG #streamer :hello there';
    const before = JSON.stringify(parseTwitchMessage(line));
    expect(before.length).to.be.greaterThan(100); // what twurple formats for every line, unless…
    cheapTraceLines({}); // a plain object: nothing to do
    expect(JSON.stringify({ a: 1, nested: { b: [2] } })).to.equal('{"a":1,"nested":{"b":[2]}}');
    cheapTraceLines(parseTwitchMessage('PING :tmi.twitch.tv'));
    cheapTraceLines(parseTwitchMessage('PING :tmi.twitch.tv')); // twice is once
    const msg = parseTwitchMessage(line);
    expect(JSON.stringify(msg)).to.equal('"PRIVMSG"');
    expect(JSON.stringify(parseTwitchMessage('@room-id=1 :tmi.twitch.tv ROOMSTATE #streamer'))).to.equal('"ROOMSTATE"');
    expect([msg.command, ...msg.rawParamValues]).to.deep.equal(['PRIVMSG', '#streamer', 'hello there']); // the message itself is untouched
    expect(JSON.stringify({ a: 1, nested: { b: [2] } })).to.equal('{"a":1,"nested":{"b":[2]}}');
  });
});

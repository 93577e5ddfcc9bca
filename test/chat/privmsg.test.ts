// The Twitch connection's fast path for plain chat lines must read exactly what twurple's parser reads, and hand
// every other line back to twurple.
import { expect } from 'chai';
import { ChatMessage, parseTwitchMessage } from '@twurple/chat';
import { privmsgRow } from '../../core/privmsg.ts';
import type { ChatRow } from '../../core/twitch.ts';
import { formatIrcLine, formatTags } from '../support/fake-twitch.ts';

const strip = (c: string) => c.replace(/^#/, '').toLowerCase();

/** The row the connection builds from twurple's parse (core/twitch-connection.ts onText). */
function twurpleRow(line: string): ChatRow {
  const msg = parseTwitchMessage(line) as ChatMessage;
  expect(msg).to.be.instanceOf(ChatMessage);
  const t = msg.tags;
  return [strip(msg.target), msg.userInfo.userName, msg.text, 0, t.get('id') ?? '', t.get('user-id') ?? '', t.get('display-name') ?? '', t.get('badges') ?? '', t.get('vip') ?? null, t.get('bits') ?? '', t.get('first-msg') === '1' ? 1 : 0];
}

const line = (tags: Record<string, string | number>, text: string, channel = '#streamer', nick = 'alice') =>
  `@${formatTags(tags)} :${nick}!${nick}@${nick}.tmi.twitch.tv PRIVMSG ${channel} :${text}`;

describe('chat: the fast path for plain chat lines', () => {
  const base = { 'badge-info': '', badges: 'subscriber/12,premium/1', color: '#FF0000', 'display-name': 'Alice', emotes: '', 'first-msg': 0, id: 'b34ccfc7-4977-403a-8a94-33c6bac34fb8', mod: 0, 'room-id': '1', subscriber: 1, 'tmi-sent-ts': 1700000000000, turbo: 0, 'user-id': '12345', 'user-type': '' };
  const cases: [string, string][] = [
    ['a plain message', line(base, 'hello world')],
    ['text with " :" and colons inside', line(base, 'ratio: 3 :) and : more')],
    ['escaped tag values', line({ ...base, 'display-name': 'A B;C\\D\r\n' }, 'hi')],
    ['a raw escape, an unknown one and a lone trailing backslash', '@id=e;display-name=A\\sB\\qC\\ :dan!dan@dan.tmi.twitch.tv PRIVMSG #streamer :raw'],
    ['bits, vip and a first message', line({ ...base, bits: 100, vip: 1, 'first-msg': 1 }, 'Cheer100 go')],
    ['empty and valueless tags', `@id=x;vip;badges=;display-name= :bob!bob@bob.tmi.twitch.tv PRIVMSG #Streamer :yo`],
    ['emoji and non-Latin text', line(base, 'пекарня 🥐 ベーカリー')],
    ['a prefix with only the nick', `@id=1;user-id=2 :carol PRIVMSG #streamer :short prefix`],
    ['a message that is only spaces', line(base, '   ')],
  ];
  for (const [what, l] of cases) {
    it(`reads ${what} as twurple does`, () => {
      expect(privmsgRow(l, strip)).to.deep.equal(twurpleRow(l));
    });
  }

  it('leaves to twurple: actions and CTCP, lines without tags or trailing text, jtv, other commands', () => {
    for (const l of [
      line(base, '\x01ACTION waves\x01'),
      line(base, '\x01VERSION\x01'),
      ':alice!alice@alice.tmi.twitch.tv PRIVMSG #streamer :no tags',
      '@id=1 :alice!alice@alice.tmi.twitch.tv PRIVMSG #streamer word',
      line(base, 'system', '#streamer', 'jtv'),
      formatIrcLine({ tags: { 'msg-id': 'sub' }, prefix: 'tmi.twitch.tv', command: 'USERNOTICE', params: ['#streamer'], trailing: 'hi' }),
      '@badges= :tmi.twitch.tv USERSTATE #streamer',
      'PING :tmi.twitch.tv',
      '',
    ]) {
      expect(privmsgRow(l, strip), JSON.stringify(l)).to.equal(undefined);
    }
  });
});

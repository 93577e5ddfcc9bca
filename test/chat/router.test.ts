// The command router, outgoing rules and the user directory, through the local transport.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanOutgoing, splitMessage } from '../../core/chat.ts';
import { parseArgs } from '../../core/define.ts';
import type { ChatLogService } from '../../plugins/chatlog/index.ts';
import { eventually, FakeClock, settle, startTestBot, type TestBot } from '../support/kit.ts';

const HELPER = `
export default {
  name: 'helper',
  version: '1.0.0',
  setup(ctx) {
    ctx.commands.register({ name: 'echo', aliases: ['say'], description: 'Repeats you.', usage: '<text>', run: (call) => call.rest ? call.reply(call.args.join('|')) : call.usage('say something') });
    ctx.commands.register({ name: 'secret', description: 'Mods only.', permission: 'moderator', run: (call) => call.reply('psst') });
    ctx.commands.register({ name: 'subonly', description: 'Subs.', permission: 'subscriber', run: (call) => call.reply('thanks for subbing') });
    ctx.commands.register({ name: 'count', description: 'No cooldown.', cooldown: 0, run: (call) => call.reply('counted') });
    ctx.commands.register({ name: 'boom', description: 'Throws.', run: () => { throw new Error('kaboom'); } });
    ctx.commands.register({ name: 'who', description: 'Looks a user up.', usage: '@user', run: async (call) => {
      const u = await ctx.users.byLogin(call.args[0] ?? '');
      return call.reply(u ? u.displayName + ' ' + u.id : 'unknown');
    } });
    ctx.hooks.outgoingMessage.tap((m) => m.text.includes('forbidden') ? { ...m, vetoed: 'blocked word' } : { ...m, text: m.text.replace('psst', 'psst!') });
    return {};
  },
};
`;

// One folder for the whole file, removed at the end.
let helperFolder: string | undefined;
function helperDir(): string {
  if (!helperFolder) {
    helperFolder = mkdtempSync(path.join(os.tmpdir(), 'bakebot-helper-'));
    writeFileSync(path.join(helperFolder, 'index.mjs'), HELPER);
  }
  return helperFolder;
}
after(() => {
  if (helperFolder) rmSync(helperFolder, { recursive: true, force: true });
  helperFolder = undefined;
});

describe('command router', () => {
  let t: TestBot;
  let clock: FakeClock;
  beforeEach(async () => {
    clock = new FakeClock();
    t = await startTestBot({ plugins: ['chatlog'], pluginPaths: [helperDir()], clock });
  });
  afterEach(() => t.stop());

  it('matches names and aliases case-insensitively and parses quoted arguments and mentions', async () => {
    expect(await t.ask('alice', '!ECHO a "b c" @Bob')).to.equal('a|b c|bob');
    await clock.advance(3000);
    expect(await t.ask('alice', '!Say x')).to.equal('x');
  });

  it('ignores unknown commands and plain chat silently', async () => {
    expect(await t.repliesTo('alice', '!nosuchcommand')).to.deep.equal([]);
    expect(await t.repliesTo('alice', 'just chatting')).to.deep.equal([]);
  });

  it('replies with a one-line usage for bad arguments', async () => {
    expect(await t.ask('alice', '!echo')).to.equal('Usage: !echo <text> (say something)');
  });

  it('enforces permission levels from roles', async () => {
    expect(await t.repliesTo('alice', '!secret')).to.deep.equal([]);
    expect(await t.repliesTo({ login: 'vip', roles: ['vip'] }, '!subonly')).to.deep.equal(['thanks for subbing']);
    expect(await t.ask({ login: 'amod', roles: ['moderator'] }, '!secret')).to.equal('psst!');
    expect(await t.ask({ login: 'founder', roles: ['founder'] }, '!subonly')).to.equal('thanks for subbing');
    expect(await t.ask({ login: 'caster', roles: ['broadcaster'] }, '!secret')).to.equal('psst!');
  });

  it('applies the per-user cooldown from the bot settings, and not to moderators', async () => {
    expect(await t.ask('alice', '!echo 1')).to.equal('1');
    // Told once per cooldown how long to wait (silence reads as a broken bot), then silence.
    await clock.advance(1000);
    expect(await t.repliesTo('alice', '!echo 2')).to.deep.equal(['@alice wait 2 s before !echo again']);
    expect(await t.repliesTo('alice', '!echo 2b')).to.deep.equal([]);
    expect(await t.ask('bob', '!echo 3')).to.equal('3');
    await clock.advance(3000);
    expect(await t.ask('alice', '!echo 4')).to.equal('4');
    expect(await t.ask({ login: 'amod', roles: ['moderator'] }, '!echo 5')).to.equal('5');
    expect(await t.ask({ login: 'amod', roles: ['moderator'] }, '!echo 6')).to.equal('6');
  });

  it('stays silent on a cooldown when bot.cooldownReply is false', async () => {
    await t.stop();
    t = await startTestBot({ plugins: ['chatlog'], pluginPaths: [helperDir()], clock, config: { bot: { cooldownReply: false } } });
    expect(await t.ask('alice', '!echo 1')).to.equal('1');
    expect(await t.repliesTo('alice', '!echo 2')).to.deep.equal([]);
  });

  it('ignores a viewer flooding commands (8 per 10 s), but not moderators', async () => {
    let answered = 0;
    for (let i = 0; i < 12; i++) {
      answered += (await t.repliesTo('flooder', '!count')).length;
      await clock.advance(500);
    }
    expect(answered).to.equal(8);
    await clock.advance(10_000);
    expect(await t.ask('flooder', '!count')).to.equal('counted');
    let modAnswered = 0;
    for (let i = 0; i < 12; i++) modAnswered += (await t.repliesTo({ login: 'amod', roles: ['moderator'] }, '!count')).length;
    expect(modAnswered).to.equal(12);
  });

  it('takes per-command overrides (permission, aliases, enabled) from the config', async () => {
    t.writeConfig({
      bot: { watch: false, pluginPaths: t.host.bot.pluginPaths, commands: { secret: { permission: 'everyone', aliases: ['hush'] }, count: { enabled: false } } },
      plugins: { chatlog: { enabled: true } },
    });
    const r = await t.host.applyConfigFile();
    expect(r.issues).to.deep.equal([]);
    expect(await t.ask('alice', '!hush')).to.equal('psst!');
    expect(await t.repliesTo('bob', '!count')).to.deep.equal([]);
  });

  it('ignores banned users entirely', async () => {
    t.say({ login: 'troll', userId: 'u-troll' }, 'hello');
    await t.idle();
    await t.bot.users.setBanned('u-troll', true);
    expect(await t.repliesTo({ login: 'troll', userId: 'u-troll' }, '!help')).to.deep.equal([]);
    await t.bot.users.setBanned('u-troll', false);
    expect(await t.ask({ login: 'troll', userId: 'u-troll' }, '!echo hi')).to.equal('hi');
  });

  it('lists in !help only the commands the user may run, and explains one', async () => {
    const viewer = await t.ask('alice', '!help');
    expect(viewer).to.match(/^Commands: /).and.include('!echo').and.not.include('!secret');
    await clock.advance(5000);
    const mod = await t.ask({ login: 'amod', roles: ['moderator'] }, '!help');
    expect(mod).to.include('!secret');
    await clock.advance(5000);
    expect(await t.ask('alice', '!help echo')).to.equal('!echo <text>: Repeats you.');
  });

  it('isolates a throwing command: a short reply, an error in the log, the bot keeps working', async () => {
    expect(await t.ask('alice', '!boom')).to.match(/failed/);
    expect(t.bot.logs.recent().some((e) => e.level === 'error' && e.msg.includes('kaboom'))).to.equal(true);
    expect(t.host.plugin('helper')?.error).to.include('kaboom');
    expect(await t.ask('bob', '!echo still here')).to.equal('still|here');
  });

  it('lets the outgoing hook transform and veto messages', async () => {
    expect(await t.repliesTo('alice', '!echo forbidden')).to.deep.equal([]);
  });

  it('records chatters by user id and follows renames', async () => {
    t.say({ login: 'oldname', userId: '77', displayName: 'OldName' }, 'hi');
    expect(await t.ask('alice', '!who @oldname')).to.equal('OldName 77');
    await t.bot.users.flush();
    t.say({ login: 'newname', userId: '77', displayName: 'NewName' }, 'renamed!');
    await t.idle();
    await clock.advance(3000);
    expect(await t.ask('alice', '!who newname')).to.equal('NewName 77');
    await t.bot.users.flush();
    const rows = await t.storage.all<{ id: string; login: string }>('SELECT id, login FROM users WHERE id = ?', ['77']);
    expect(rows).to.deep.equal([{ id: '77', login: 'newname' }]);
    // Renamed again before anything was written: only the newest name finds them.
    t.say({ login: 'third', userId: '77' }, 'again');
    t.say({ login: 'fourth', userId: '77' }, 'and again');
    expect((await t.bot.users.byLogin('@Fourth'))?.id).to.equal('77');
    expect(await t.bot.users.byLogin('third')).to.equal(undefined);
    await t.bot.users.flush();
    expect((await t.bot.users.byLogin('fourth'))?.id).to.equal('77');
    expect(await t.bot.users.byLogin('third')).to.equal(undefined);
  });

  it('knows a new chatter at every moment, also while their sighting is being committed', async () => {
    // The commit is held for 50 ms (reaching into the storage: only a test does this), and the user is read meanwhile.
    const writer = (t.storage as unknown as { writer: { exec(sql: string): Promise<void> } }).writer;
    const exec = writer.exec.bind(writer);
    writer.exec = async (sql: string) => {
      if (sql === 'COMMIT') await settle(50); // a slow disk: wall-clock time on purpose
      return exec(sql);
    };
    try {
      t.say({ login: 'newbie', userId: 'new-1' }, 'first message');
      const flushing = t.bot.users.flush();
      // Reads spread over the held commit's 50 ms (wall-clock on purpose: before, during and after it).
      const reads = await Promise.all([0, 10, 20, 30, 40, 60, 80].map((ms) => settle(ms).then(() => t.bot.users.byId('new-1'))));
      await flushing;
      expect(reads.map((u) => u?.login ?? 'unknown')).to.deep.equal(reads.map(() => 'newbie'));
      // Seen again (renamed) while the first write waits for its commit: the newer sighting is written too.
      t.say({ login: 'newbie', userId: 'new-1' }, 'again');
      const first = t.bot.users.flush();
      await settle(10); // into the held commit's 50 ms (wall-clock on purpose)
      t.say({ login: 'newbie', userId: 'new-1', displayName: 'NewBie' }, 'renamed');
      await first;
      expect((await t.bot.users.byId('new-1'))?.displayName).to.equal('NewBie');
      await t.bot.users.flush();
      expect(await t.storage.get('SELECT display_name FROM users WHERE id = ?', ['new-1'])).to.deep.equal({ display_name: 'NewBie' });
    } finally {
      writer.exec = exec;
    }
  });

  it('finds a viewer\'s chat logs by user id or login, also what they wrote under an earlier name', async () => {
    const log = t.service('chatlog' as never) as ChatLogService;
    t.say({ login: 'oldname', userId: 'r1' }, 'before the rename');
    t.say({ login: 'someone', userId: 'r2' }, 'another viewer');
    await log.flush();
    await t.bot.users.flush();
    t.say({ login: 'newname', userId: 'r1' }, 'after the rename');
    await log.flush();
    await t.bot.users.flush();
    const texts = async (user: string) => (await log.query({ user })).map((m) => m.message);
    expect(await texts('r1')).to.deep.equal(['after the rename', 'before the rename']);
    expect(await texts('@NewName')).to.deep.equal(['after the rename', 'before the rename']);
    // Nobody is called oldname now: the stored names are searched.
    expect(await texts('oldname')).to.deep.equal(['before the rename']);
    expect(await texts('nobody')).to.deep.equal([]);
  });

  it('deletes chat logs past their retention, and one user on request', async () => {
    const log = t.service('chatlog' as never) as ChatLogService;
    t.say({ login: 'old', userId: 'u1' }, 'an old message');
    await log.flush();
    await clock.advance(20 * 86_400_000);
    t.say({ login: 'recent', userId: 'u2' }, 'a recent message');
    t.say({ login: 'private', userId: 'u3' }, 'please forget me');
    await log.flush();
    await clock.advance(11 * 86_400_000);
    // The hourly cleanup ran while the clock moved (its deletes finish in the background): the first
    // message is 31 days old.
    const left = await eventually(async () => {
      const texts = (await log.query({})).map((m) => m.message);
      return texts.length === 2 && texts;
    }, { what: 'the retention cleanup' });
    expect(left).to.have.members(['a recent message', 'please forget me']);
    expect(await log.deleteUser('u3')).to.equal(1);
    expect((await log.query({})).map((m) => m.message)).to.deep.equal(['a recent message']);
  });
});

describe('chat text rules', () => {
  it('never cuts inside a character and splits on word boundaries', () => {
    const text = '🍞'.repeat(600);
    const parts = splitMessage(text, 500);
    expect(parts.every((p) => Array.from(p).length <= 500)).to.equal(true);
    expect(parts.join('')).to.equal(text);
    const words = splitMessage('aaa bbb ccc ddd', 8);
    expect(words).to.deep.equal(['aaa bbb', 'ccc ddd']);
  });

  it('shortens very long text to three parts with an ellipsis', () => {
    const parts = splitMessage('word '.repeat(1000), 100);
    expect(parts).to.have.length(3);
    expect(parts[2]?.endsWith('…')).to.equal(true);
  });

  it('removes line breaks and control characters that would inject IRC lines', () => {
    expect(cleanOutgoing('hi\r\nPRIVMSG #x :evil\u0000')).to.equal('hi PRIVMSG #x :evil');
  });

  it('never starts a message with a chat command, except /me', () => {
    expect(cleanOutgoing('/ban streamer')).to.equal('\u200B/ban streamer');
    expect(cleanOutgoing(' .timeout x')).to.equal('\u200B.timeout x');
    expect(cleanOutgoing('/me bakes')).to.equal('/me bakes');
  });

  it('parses arguments', () => {
    expect(parseArgs('@Alice 50 “two words” "open')).to.deep.equal(['alice', '50', 'two words', 'open']);
    expect(parseArgs('@Alice "@Bob" x@y', { mentionsAsTyped: true })).to.deep.equal(['Alice', '@Bob', 'x@y']);
  });
});

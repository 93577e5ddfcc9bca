// Custom commands in chat: every variable, permission and cooldown, the token cost through the economy,
// the management commands (!addcom, !editcom, !delcom, !commands) and the refusal to shadow a plugin's command.
import { expect } from 'chai';
import { FakeClock, startTestBot, type TestBot } from '../../../test/support/kit.ts';
import type { EconomyService } from '../../economy/service.ts';
import type { CommandsService } from '../service.ts';
import { analyze, render } from '../variables.ts';

const MOD = { login: 'amod', roles: ['moderator' as const] };

describe('custom commands', function () {
  this.timeout(20_000);
  let t: TestBot;
  let clock: FakeClock;
  let economy: EconomyService;
  let commands: CommandsService;

  async function fund(login: string, tokens: number): Promise<void> {
    await t.bot.users.ensure({ id: `local:${login}`, login });
    if (tokens) await economy.credit(`local:${login}`, tokens, { reason: 'test money', source: 'test' });
  }

  beforeEach(async () => {
    clock = new FakeClock('2026-01-15T12:00:00Z');
    t = await startTestBot({
      plugins: ['economy', 'commands', 'quotes'],
      clock,
      config: {
        bot: { commandCooldown: 0, channels: ['bakery'] },
        plugins: {
          commands: {
            commands: {
              discord: { response: 'Join us, {user}: https://discord.gg/bakery', aliases: ['dc'] },
              hug: { response: '{user} hugs {touser}! ({count} hugs so far)' },
              so: { response: 'Go follow {arg1} at twitch.tv/{arg1}! {args}', permission: 'vip' },
              pick: { response: 'I pick {random:cake|pie|tart}, roll {random:1-6}', cooldown: 30 },
              wallet: { response: '{user} has {tokens} tokens; bot up {uptime} in {channel}' },
              snack: { response: '{user} bought a snack for {cost}. Left: {tokens}', cost: 10 },
              party: { response: 'Party time!', globalCooldown: 60 },
              odd: { response: 'Hello {usr} and {random}' },
              off: { response: 'never', enabled: false },
              mods: { response: 'mods only', permission: 'moderator' },
              boss: { response: 'streamer only', permission: 'broadcaster' },
              subs: { response: 'subs only', permission: 'subscriber' },
            },
          },
        },
      },
    });
    economy = t.service('economy');
    commands = t.service('commands');
  });
  afterEach(() => t.stop());

  it('fills {user}, {touser}, {args}, {arg1}, {count}, {tokens}, {uptime}, {channel}', async () => {
    expect(await t.ask('Crumb', '!discord')).to.equal('Join us, Crumb: https://discord.gg/bakery');
    expect(await t.ask('crumb', '!DC'), 'alias, any case').to.equal('Join us, crumb: https://discord.gg/bakery');
    expect(await t.ask('crumb', '!hug')).to.equal('crumb hugs crumb! (1 hugs so far)');
    expect(await t.ask('crumb', '!hug @Flour')).to.equal('crumb hugs Flour! (2 hugs so far)');
    expect(await t.ask({ login: 'vippy', roles: ['vip'] }, '!so @Baker "and say hi"')).to.equal('Go follow Baker at twitch.tv/Baker! @Baker "and say hi"');
    await fund('crumb', 42);
    await clock.advance(2 * 3600_000 + 5 * 60_000);
    expect(await t.ask('crumb', '!wallet')).to.equal('crumb has 42 tokens; bot up 2 h 5 min in bakery');
    const rows = await t.storage.all<{ count: number }>("SELECT count FROM commands_uses WHERE name = 'hug'");
    expect(rows[0]?.count, 'the counter is in the database').to.equal(2);
  });

  it('fills {random:a|b|c} and {random:1-6}, and leaves unknown variables as text', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const answer = await t.ask(MOD, '!pick'); // moderators skip the 30 s cooldown
      const m = /^I pick (cake|pie|tart), roll ([1-6])$/.exec(answer);
      expect(m, answer).to.not.equal(null);
      seen.add(m?.[1] ?? '');
    }
    expect(seen.size).to.be.greaterThan(1);
    expect(await t.ask('crumb', '!odd')).to.equal('Hello {usr} and {random}');
    expect(analyze('Hello {usr} and {random} {user} {arg3}')).to.deep.equal({ used: ['user', 'arg3'], unknown: ['{usr}', '{random}'] });
    expect(render('{random:7-7} {arg2}|', { args: ['a'] })).to.equal('7 |');
    const odd = (await commands.list()).find((c) => c.name === 'odd');
    expect(odd?.unknownVariables).to.deep.equal(['{usr}', '{random}']);
  });

  it('checks permissions: vip, moderator, disabled, banned', async () => {
    expect(await t.repliesTo('crumb', '!so someone')).to.deep.equal([]);
    expect(await t.repliesTo({ login: 'subby', roles: ['subscriber'] }, '!so someone')).to.deep.equal([]);
    expect(await t.ask({ login: 'vippy', roles: ['vip'] }, '!so x')).to.match(/^Go follow x/);
    expect(await t.ask({ login: 'boss', roles: ['broadcaster'] }, '!so x')).to.match(/^Go follow x/);
    expect(await t.repliesTo({ login: 'vippy', roles: ['vip'] }, '!mods')).to.deep.equal([]);
    expect(await t.ask(MOD, '!mods')).to.equal('mods only');
    expect(await t.repliesTo(MOD, '!boss')).to.deep.equal([]);
    expect(await t.ask({ login: 'streamer', roles: ['broadcaster'] }, '!boss')).to.equal('streamer only');
    expect(await t.repliesTo('crumb', '!subs')).to.deep.equal([]);
    expect(await t.ask({ login: 'founder', roles: ['founder'] }, '!subs'), 'founders count as subscribers').to.equal('subs only');
    expect(await t.ask({ login: 'vippy', roles: ['vip'] }, '!subs'), 'a higher level includes the lower').to.equal('subs only');
    expect(await t.repliesTo(MOD, '!off')).to.deep.equal([]);
    await fund('troll', 0);
    await t.bot.users.setBanned('local:troll', true);
    expect(await t.repliesTo('troll', '!discord')).to.deep.equal([]);
  });

  it('keeps per-viewer and global cooldowns (moderators skip the per-viewer one)', async () => {
    expect(await t.ask('crumb', '!pick')).to.match(/^I pick/);
    expect(await t.repliesTo('crumb', '!pick'), 'per-viewer cooldown').to.deep.equal([]);
    expect(await t.ask('flour', '!pick'), 'another viewer is not held').to.match(/^I pick/);
    await clock.advance(30_000);
    expect(await t.ask('crumb', '!pick'), 'after 30 s').to.match(/^I pick/);

    expect(await t.ask('crumb', '!party')).to.equal('Party time!');
    expect(await t.repliesTo('flour', '!party'), 'global cooldown holds everyone').to.deep.equal([]);
    expect(await t.repliesTo(MOD, '!party'), 'moderators too').to.deep.equal([]);
    await clock.advance(60_000);
    expect(await t.ask('flour', '!party')).to.equal('Party time!');
  });

  it('charges the cost through the economy once per message, and refuses cleanly when short', async () => {
    await fund('crumb', 25);
    expect(await t.ask('crumb', '!snack')).to.equal('crumb bought a snack for 10 tokens. Left: 15');
    expect(await t.ask('crumb', '!snack')).to.equal('crumb bought a snack for 10 tokens. Left: 5');
    expect(await t.ask('crumb', '!snack')).to.equal('@crumb !snack costs 10 tokens; you have 5 tokens.');
    expect(await economy.balance('local:crumb')).to.equal(5);
    const ledger = await economy.history('local:crumb', 10);
    expect(ledger.filter((e) => e.source === 'commands').map((e) => e.delta)).to.deep.equal([-10, -10]);
    expect(ledger.every((e) => e.source !== 'commands' || e.key.startsWith('commands:snack:'))).to.equal(true);
    expect(await t.ask('nobody', '!snack'), 'no account').to.equal('@nobody !snack costs 10 tokens; you have 0 tokens.');
    expect((await economy.check()).ok).to.equal(true);
    const snack = (await commands.list()).find((c) => c.name === 'snack');
    expect(snack?.count, 'refused uses are not counted').to.equal(2);
  });

  it('lets moderators manage commands from chat: !addcom, !editcom, !delcom, !commands', async () => {
    expect(await t.repliesTo('crumb', '!addcom !x hi')).to.deep.equal([]);
    expect(await t.ask(MOD, '!addcom')).to.match(/^Usage: !addcom /);
    expect(await t.ask(MOD, '!addcom -ul=sub -cd=10 -cost=0 -a=soc,links !socials Find {user} on {site}')).to.equal(
      'Added !socials. Note: {site} is not a variable and will show as written.',
    );
    expect(await t.ask({ login: 'subby', roles: ['subscriber'] }, '!links')).to.equal('Find subby on {site}');
    expect(await t.repliesTo('crumb', '!socials'), 'subscribers only').to.deep.equal([]);
    expect(await t.ask(MOD, '!addcom !socials again')).to.equal('!socials exists already; change it with !editcom.');
    expect(await t.ask(MOD, '!editcom !socials -ul=everyone Find us everywhere, {user}')).to.equal('Changed !socials.');
    expect(await t.ask('crumb', '!soc')).to.equal('Find us everywhere, crumb');
    expect(await t.ask(MOD, '!editcom !discord nope')).to.match(/^Not saved: !discord is defined in the config file/);
    expect(await t.ask(MOD, '!addcom -ul=king !x y')).to.match(/^Usage: .*-ul must be one of/);
    expect(await t.ask(MOD, '!addcom !dc y')).to.equal('Not saved: !dc is already an alias of !discord.');

    const list = await t.ask('crumb', '!commands');
    expect(list).to.match(/^Custom commands: /);
    expect(list).to.include('!socials').and.include('!discord').and.not.include('!mods').and.not.include('!off');
    expect(await t.ask(MOD, '!commands')).to.include('!mods');

    expect(await t.ask(MOD, '!delcom socials')).to.equal('Deleted !socials.');
    expect(await t.repliesTo('crumb', '!socials')).to.deep.equal([]);
    expect(await t.ask(MOD, '!delcom !socials')).to.equal('Not deleted: there is no custom command !socials.');
    expect(await t.ask(MOD, '!delcom !discord')).to.match(/^Not deleted: !discord is defined in the config file/);
  });

  it("refuses to shadow a plugin's command, with the reason", async () => {
    expect(await t.ask(MOD, '!addcom !quote my quote')).to.equal('Not saved: !quote is a command of the quotes plugin; a custom command cannot replace it.');
    expect(await t.ask(MOD, '!addcom -a=q !myquote hi')).to.equal('Not saved: !q is a command of the quotes plugin; a custom command cannot replace it.');
    expect(await t.ask(MOD, '!addcom !help hi')).to.match(/^Not saved: !help is a command of the core plugin/);
    await commands.save('stamp', { response: 'stamped' }, 'test').catch(() => undefined);
    let code = '';
    await commands.save('addquote', { response: 'x' }, 'test').catch((e: { code: string }) => (code = e.code));
    expect(code).to.equal('SHADOWS_PLUGIN');
    expect(await t.ask('crumb', '!stamp')).to.equal('stamped');
  });

  it('lets a plugin that arrives later take its name back, and says so', async () => {
    await t.host.setEnabled('quotes', false);
    expect(await t.ask(MOD, '!addcom !quote no quotes today')).to.equal('Added !quote.');
    expect(await t.ask('crumb', '!quote')).to.equal('no quotes today');
    await t.host.setEnabled('quotes', true);
    const answers = await t.repliesTo('crumb', '!quote');
    expect(answers, 'only the plugin answers').to.have.length(1);
    expect(answers[0]).to.match(/^No quotes yet/);
    const t2 = (await commands.list()).find((c) => c.name === 'quote');
    expect(t2?.problem).to.equal('!quote is a command of the quotes plugin, which wins');
    expect(await t.ask('crumb', '!commands')).to.not.include('!quote');
  });

  it('keeps chat-added commands and their counters across a restart', async () => {
    await t.ask(MOD, '!addcom !lurk {user} is lurking ({count})');
    expect(await t.ask('crumb', '!lurk')).to.equal('crumb is lurking (1)');
    await t.host.reload('commands');
    expect(await t.ask('crumb', '!lurk')).to.equal('crumb is lurking (2)');
  });

  it("uses the bot's commandCooldown when a command sets none", async () => {
    await t.stop();
    clock = new FakeClock('2026-01-15T12:00:00Z');
    t = await startTestBot({ plugins: ['commands'], clock, config: { bot: { commandCooldown: 5 }, plugins: { commands: { commands: { hi: { response: 'hi {user}' } } } } } });
    expect(await t.ask('crumb', '!hi')).to.equal('hi crumb');
    expect(await t.repliesTo('crumb', '!hi')).to.deep.equal([]);
    await clock.advance(5000);
    expect(await t.ask('crumb', '!hi')).to.equal('hi crumb');
  });
});

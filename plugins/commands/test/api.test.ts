// The custom commands and timers through the dashboard's API (real Koa server over HTTP, bearer token):
// add, edit, test, delete; commands of the config file saved back into it; JSON errors with codes.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { FakeClock, startTestBot, type TestBot } from '../../../test/support/kit.ts';
import { api } from '../../dashboard/test/helpers.ts';

const TOKEN = 'commands-test-token-0123456789';

describe('custom commands on the dashboard API', function () {
  this.timeout(30_000);
  let t: TestBot;
  let http: ReturnType<typeof api>;

  beforeEach(async () => {
    t = await startTestBot({
      plugins: ['dashboard', 'commands', 'quotes'],
      clock: new FakeClock(),
      env: { DASHBOARD_PASSWORD: 'correct horse battery staple', BAKEBOT_API_TOKEN: TOKEN },
      config: {
        bot: { commandCooldown: 0, channels: ['bakery'] },
        plugins: { dashboard: { port: 0 }, commands: { commands: { rules: { response: 'Be kind, {user}.' } }, timers: { follow: { message: 'Follow!', minutes: 20, minLines: 2 } } } },
      },
    });
    http = api(t.service('dashboard').url ?? '', TOKEN);
  });
  afterEach(() => t.stop());

  it('adds, tests, counts and deletes a database command', async () => {
    let r = await http.put('/api/commands/custom/socials', { response: 'Hi {touser} from {user} {oops}', aliases: ['soc'], cooldown: 0 });
    expect(r.status, r.text).to.equal(201);
    expect(r.json<{ command: { source: string; unknownVariables: string[] } }>().command).to.deep.include({ source: 'database', unknownVariables: ['{oops}'] });
    expect(await t.ask('crumb', '!soc @flour')).to.equal('Hi flour from crumb {oops}');
    r = await http.post('/api/commands/custom/socials/test', { login: 'baker', args: '@you' });
    expect(r.json()).to.deep.equal({ text: 'Hi you from baker {oops}' });
    const list = (await http.get('/api/commands/custom')).json<{ commands: { name: string; count: number; source: string }[]; variables: Record<string, string> }>();
    expect(list.commands.map((c) => [c.name, c.source, c.count])).to.deep.equal([['rules', 'config', 0], ['socials', 'database', 1]]);
    expect(list.variables).to.have.keys('user', 'touser', 'args', 'arg1', 'count', 'random', 'tokens', 'uptime', 'channel', 'cost');
    r = await http.post('/api/commands/render', { text: '{user} rolls {random:3-3} {nope}', login: 'crumb' });
    expect(r.json()).to.deep.equal({ text: 'crumb rolls 3 {nope}', unknownVariables: ['{nope}'] });
    r = await http.post('/api/commands/render', { login: 'crumb' });
    expect(r.status).to.equal(400);
    expect(r.json()).to.deep.include({ code: 'INVALID_BODY' });
    expect((await http.del('/api/commands/custom/socials')).status).to.equal(200);
    expect(await t.repliesTo('crumb', '!socials')).to.deep.equal([]);
  });

  it('answers JSON errors with codes', async () => {
    let r = await http.put('/api/commands/custom/quote', { response: 'x' });
    expect(r.status).to.equal(409);
    expect(r.json()).to.deep.include({ code: 'SHADOWS_PLUGIN' });
    expect(r.json<{ error: string }>().error).to.include('quotes plugin');
    r = await http.put('/api/commands/custom/x', { response: '' });
    expect(r.status).to.equal(400);
    expect(r.json()).to.deep.include({ code: 'INVALID_BODY' });
    r = await http.put('/api/commands/custom/x', { response: 'a', permission: 'king' });
    expect(r.status).to.equal(400);
    r = await http.del('/api/commands/custom/missing');
    expect(r.status).to.equal(404);
    expect(r.json()).to.deep.include({ code: 'NOT_FOUND' });
    r = await http.post('/api/commands/timers/none/test', {});
    expect(r.status).to.equal(404);
  });

  it('saves config commands and timers into the config file', async () => {
    let r = await http.put('/api/commands/custom/rules', { response: 'Be very kind, {user}.', cooldown: 10 });
    expect(r.status, r.text).to.equal(200);
    expect(readFileSync(t.configFile, 'utf8')).to.include('Be very kind, {user}.');
    expect(await t.ask('crumb', '!rules')).to.equal('Be very kind, crumb.');
    r = await http.put('/api/commands/timers/socials', { message: 'Find us on {channel}', minutes: 30, minLines: 4 });
    expect(r.status, r.text).to.equal(200);
    const timers = (await http.get('/api/commands/timers')).json<{ timers: { name: string; minutes: number }[] }>().timers;
    expect(timers.map((x) => [x.name, x.minutes])).to.deep.equal([['follow', 20], ['socials', 30]]);
    r = await http.post('/api/commands/timers/socials/test', {});
    expect(r.status).to.equal(200);
    await t.waitFor((o) => o.text === 'Find us on bakery');
    expect((await http.del('/api/commands/timers/follow')).status).to.equal(200);
    expect(readFileSync(t.configFile, 'utf8')).to.not.include('Follow!');
  });
});

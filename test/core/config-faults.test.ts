// Faults in the config file itself: an emptied file, one with only comments, or a huge one is an error like
// any other — at start it stops the bot with the reason; while running, the running settings stay.
import { writeFileSync } from 'node:fs';
import { expect } from 'chai';
import { stringify } from 'yaml';
import { ConfigError, formatIssue } from '../../core/config.ts';
import { cleanup, newProbe, pluginFolder, startCoreBot, waitForLog, type PluginFolder } from './helpers.ts';

function confPlugin(): PluginFolder {
  return pluginFolder({
    name: 'conf',
    configSchema: { type: 'object', additionalProperties: false, properties: { maxLength: { type: 'integer', default: 300 } } },
    setup: `ctx.commands.register({ name: 'max', description: 'shows maxLength', run: (call) => call.reply('max=' + ctx.config.maxLength) });`,
  });
}

async function startIssues(start: Promise<unknown>): Promise<string[]> {
  const err = await start.then(() => undefined, (e: unknown) => e);
  expect(err, 'the bot started').to.be.instanceOf(ConfigError);
  return (err as ConfigError).issues.map(formatIssue);
}

describe('core: config file faults', () => {
  beforeEach(() => newProbe());
  afterEach(cleanup);

  for (const [what, text] of [['an empty', ''], ['a whitespace-only', '  \n\n\t\n'], ['a comments-only', '# bot:\n#   prefix: "?"\n']] as const) {
    it(`refuses to start on ${what} file, naming it`, async () => {
      const lines = await startIssues(startCoreBot({ folder: confPlugin(), yaml: text }));
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(/bakebot\.yaml:1 \(file\): (is empty|has no settings)/);
    });
  }

  it('refuses a file over 1 MB before parsing it', async () => {
    const huge = `plugins: {}\n${'# padding\n'.repeat(120_000)}`;
    const lines = await startIssues(startCoreBot({ folder: confPlugin(), yaml: huge }));
    expect(lines[0]).to.match(/\(file\): is 1\.2 MB; a config file may be at most 1 MB/);
  });

  it('while running, an emptied file keeps every running setting and is reported', async () => {
    const folder = confPlugin();
    const t = await startCoreBot({ folder, config: { bot: { watch: true }, plugins: { conf: { maxLength: 20 } } } });
    expect(await t.ask('alice', '!max')).to.equal('max=20');
    writeFileSync(t.configFile, '');
    await waitForLog(t, /the config file has errors; the running config stays/);
    expect(t.host.configIssues.map(formatIssue)[0]).to.match(/\(file\): is empty/);
    expect(await t.ask('bob', '!max')).to.equal('max=20');
    writeFileSync(t.configFile, stringify({ bot: { watch: true, pluginPaths: [folder.root] }, plugins: { conf: { maxLength: 30 } } }));
    await waitForLog(t, /plugin conf reloaded \(settings changed\)/);
    expect(t.host.configIssues).to.deep.equal([]);
  });
});

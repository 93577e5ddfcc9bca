// Config: every error at once with file, line and dotted path; environment overrides; `npm start` refuses
// an invalid file; a running bot rejects an invalid edit and keeps its config.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { stringify } from 'yaml';
import { ConfigError, ConfigValidator, formatIssue, readConfig, type SchemaOwner } from '../../core/config.ts';
import { builtinPlugins } from '../support/kit.ts';
import { cleanup, newProbe, pluginFolder, spawnMain, startCoreBot, tempDir, waitForLog, type PluginFolder, type Probe } from './helpers.ts';

const CONF_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxLength: { type: 'integer', minimum: 10, default: 300 },
    greeting: { type: 'string', default: 'hi' },
  },
};

function confPlugin(): PluginFolder {
  return pluginFolder({
    name: 'conf',
    configSchema: CONF_SCHEMA,
    setup: `
      P.push('conf:setup:' + ctx.config.maxLength);
      ctx.commands.register({ name: 'max', description: 'shows maxLength', run: (call) => call.reply('max=' + ctx.config.maxLength + ' prefix=' + ctx.bot.prefix) });
    `,
  });
}

async function startError(start: Promise<unknown>): Promise<string[]> {
  try {
    await start;
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).issues.map(formatIssue);
  }
  throw new Error('the bot started with an invalid config');
}

describe('core: config', () => {
  let probe: Probe;
  beforeEach(() => {
    probe = newProbe();
  });
  afterEach(cleanup);

  it('reports every error at once, each with file, line and dotted path', async () => {
    const folder = confPlugin();
    const yaml = [
      'bot:', // 1
      `  pluginPaths: [${JSON.stringify(folder.root)}]`, // 2
      '  watch: false', // 3
      '  prefix: "a b"', // 4
      '  logLevel: loud', // 5
      '  commandCooldown: -1', // 6
      'plugins:', // 7
      '  conf:', // 8
      '    # the shortest is 10', // 9
      '    maxLength: 5', // 10
      '    greeting: 3', // 11
      '',
    ].join('\n');
    const lines = await startError(startCoreBot({ folder, yaml }));
    const at = (line: number, rest: string) => expect(lines.some((l) => l.endsWith(`bakebot.yaml:${line} ${rest}`)), `expected "bakebot.yaml:${line} ${rest}" in\n${lines.join('\n')}`).to.equal(true);
    at(4, 'bot.prefix: does not look right (must match ^\\S+$)');
    at(5, 'bot.logLevel: must be one of: "debug", "info", "warn", "error"');
    at(6, 'bot.commandCooldown: must be number >= 0');
    at(10, 'plugins.conf.maxLength: must be integer >= 10');
    at(11, 'plugins.conf.greeting: must be string');
    expect(lines, lines.join('\n')).to.have.length(5);
    expect(probe.events).to.deep.equal([]);
  });

  it('keeps the parsed data of the file for the next start, and still names lines when it has problems', () => {
    const dir = tempDir('bakebot-conf-');
    const file = path.join(dir, 'bakebot.yaml');
    const cacheDir = path.join(dir, '.build');
    const issueOf = (): string => {
      try {
        readConfig(file, {}, { cacheDir });
      } catch (err) {
        return (err as ConfigError).issues.map(formatIssue).join('\n');
      }
      return 'no issue';
    };
    writeFileSync(file, '# a comment\nbot:\n  prefix: "!"\nplugins: {}\nextra: true\n');
    expect(issueOf()).to.match(/bakebot\.yaml:5 extra: unknown section/);
    expect(existsSync(path.join(cacheDir, 'config.json'))).to.equal(true);
    // Read from what was kept: the line is found by parsing the positions only now.
    expect(issueOf()).to.match(/bakebot\.yaml:5 extra: unknown section/);
    writeFileSync(file, 'bot:\n  prefix: "?"\nplugins:\n  shop: { enabled: false }\n');
    expect(readConfig(file, {}, { cacheDir }).data).to.deep.equal({ bot: { prefix: '?' }, plugins: { shop: { enabled: false } } });
    const keptFile = path.join(cacheDir, 'config.json');
    type Kept = { entries: { hash: string; data: { bot: { prefix: string } } }[] };
    const kept = JSON.parse(readFileSync(keptFile, 'utf8')) as Kept;
    expect(kept.entries).to.have.length(2); // the first text's data stays
    kept.entries[0]!.data.bot.prefix = 'kept';
    kept.entries[1]!.data.bot.prefix = 'kept too';
    writeFileSync(keptFile, JSON.stringify(kept));
    expect(readConfig(file, {}, { cacheDir }).data.bot.prefix, 'the same text is not parsed again').to.equal('kept');
    // Back to the first text: its data is still kept (a test config beside the live one, read in turns).
    writeFileSync(file, '# a comment\nbot:\n  prefix: "!"\nplugins: {}\nextra: true\n');
    expect((JSON.parse(readFileSync(keptFile, 'utf8')) as Kept).entries.map((e) => e.data.bot.prefix)).to.deep.equal(['kept', 'kept too']);
    expect(issueOf()).to.match(/bakebot\.yaml:5 extra: unknown section/);
    // At most four texts are kept, the latest first.
    for (let i = 0; i < 5; i++) {
      writeFileSync(file, `bot:\n  prefix: "${i}"\nplugins: {}\n`);
      readConfig(file, {}, { cacheDir });
    }
    expect((JSON.parse(readFileSync(keptFile, 'utf8')) as Kept).entries.map((e) => e.data.bot.prefix)).to.deep.equal(['4', '3', '2', '1']);
    // What JSON cannot hold exactly (.inf) is not kept: parsed at every read.
    writeFileSync(file, 'bot:\n  commandCooldown: .inf\nplugins: {}\n');
    expect(readConfig(file, {}, { cacheDir }).data.bot.commandCooldown).to.equal(Infinity);
    expect(readConfig(file, {}, { cacheDir }).data.bot.commandCooldown).to.equal(Infinity);
  });

  it('does not parse a kept file again when a variable sets a plugin setting, and still names lines', () => {
    const dir = tempDir('bakebot-conf-');
    const file = path.join(dir, 'bakebot.yaml');
    const cacheDir = path.join(dir, '.build');
    // Kept first, so that the bad case below is read from what was kept too.
    writeFileSync(file, 'bot:\n  prefix: "!"\nplugins:\n  web:\n    title: 7\n');
    readConfig(file, {}, { cacheDir });
    const owner: SchemaOwner = {
      name: 'web',
      schema: { type: 'object', additionalProperties: false, properties: { port: { type: 'integer' }, title: { type: 'string' } } },
      env: { WEB_PORT: 'port' },
    };
    const validator = new ConfigValidator();
    // Counts the reads of the parsed YAML that a validation makes.
    const counted = (env: Record<string, string>) => {
      const loaded = readConfig(file, env, { cacheDir });
      const doc = Object.getOwnPropertyDescriptor(loaded, 'doc')!;
      let reads = 0;
      Object.defineProperty(loaded, 'doc', { ...doc, get: () => (reads++, doc.get!.call(loaded)) });
      return { loaded, reads: () => reads };
    };
    writeFileSync(file, 'bot:\n  prefix: "!"\nplugins:\n  web:\n    title: home\n');
    readConfig(file, {}, { cacheDir });
    const sound = counted({ WEB_PORT: '5001' });
    const ok = validator.validatePlugin(sound.loaded, owner);
    expect(ok.issues).to.deep.equal([]);
    expect(ok.section.settings).to.deep.equal({ port: 5001, title: 'home' });
    expect(sound.reads(), 'a sound section with a variable needs no line numbers').to.equal(0);
    // A problem in the file is still placed on its line; one in the variable is named as the variable's.
    writeFileSync(file, 'bot:\n  prefix: "!"\nplugins:\n  web:\n    title: 7\n');
    const bad = validator.validatePlugin(counted({ WEB_PORT: 'x' }).loaded, owner);
    expect(bad.issues.map(formatIssue).join('\n')).to.match(/bakebot\.yaml:5 plugins\.web\.title: must be string/).and.match(/environment.*plugins\.web\.port.*WEB_PORT/);
  });

  it('names a key that breaks propertyNames (an id with spaces), with its line', async () => {
    const folder = pluginFolder({
      name: 'keyed',
      configSchema: { type: 'object', additionalProperties: false, properties: { items: { type: 'object', propertyNames: { pattern: '^[a-z]+$' }, additionalProperties: { type: 'integer' } } } },
      setup: '',
    });
    const yaml = `bot:\n  pluginPaths: [${JSON.stringify(folder.root)}]\nplugins:\n  keyed:\n    items:\n      good: 1\n      Bad Key: 2\n`;
    const lines = await startError(startCoreBot({ folder, yaml }));
    expect(lines, lines.join('\n')).to.have.length(1);
    expect(lines[0]?.endsWith('bakebot.yaml:7 plugins.keyed.items.Bad Key: is not a valid name (must match ^[a-z]+$)'), lines[0]).to.equal(true);
  });

  it('names the known settings for an unknown one, in the bot and in a plugin section', async () => {
    const folder = confPlugin();
    const yaml = `bot:\n  pluginPaths: [${JSON.stringify(folder.root)}]\n  prefx: "?"\nplugins:\n  conf:\n    colour: red\n`;
    const lines = await startError(startCoreBot({ folder, yaml }));
    expect(lines.find((l) => l.includes('bot.prefx'))).to.match(/bakebot\.yaml:3 bot\.prefx: unknown setting \(known: prefix, channels, .*pluginSetupTimeout.*\)$/);
    expect(lines.find((l) => l.includes('plugins.conf.colour'))).to.match(/bakebot\.yaml:6 plugins\.conf\.colour: unknown setting \(known: maxLength, greeting\)$/);
  });

  it('reports a YAML syntax error with its line', async () => {
    const folder = confPlugin();
    const yaml = `bot:\n  pluginPaths: [${JSON.stringify(folder.root)}]\n  prefix: "!"\n   logLevel: info\nplugins: {}\n`;
    const lines = await startError(startCoreBot({ folder, yaml }));
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/bakebot\.yaml:4 \(yaml\): .+/);
    const dup = `bot:\n  pluginPaths: [${JSON.stringify(folder.root)}]\n  prefix: "!"\n  prefix: "?"\nplugins: {}\n`;
    expect((await startError(startCoreBot({ folder, yaml: dup })))[0]).to.match(/bakebot\.yaml:4 \(yaml\): Map keys must be unique/);
  });

  it('lets environment variables (PREFIX, TWITCH_CHANNEL) win over the file', async () => {
    const folder = confPlugin();
    const t = await startCoreBot({
      folder,
      config: { bot: { prefix: '!', channels: ['filechannel'] }, plugins: { conf: { maxLength: 20 } } },
      env: { PREFIX: '?', TWITCH_CHANNEL: '#EnvChannel, second' },
    });
    expect(t.bot.settings.prefix).to.equal('?');
    expect(t.bot.settings.channels).to.deep.equal(['envchannel', 'second']);
    expect(await t.ask('alice', '?max')).to.equal('max=20 prefix=?');
    expect(await t.repliesTo('bob', '!max')).to.deep.equal([]);
  });

  it('names the environment variable that holds an invalid value', async () => {
    const folder = confPlugin();
    const lines = await startError(startCoreBot({ folder, config: { bot: { prefix: '!' } }, env: { PREFIX: 'toolong!', TWITCH_CHANNEL: 'good,not-a-channel!' } }));
    expect(lines).to.include('environment bot.prefix: must NOT have more than 5 characters (set by PREFIX)');
    // The bad one is the second item of the list: the issue still names the variable that set the list.
    expect(lines.find((l) => l.includes('bot.channels'))).to.match(/^environment bot\.channels\.1: .*\(set by TWITCH_CHANNEL\)$/);
    expect(lines).to.have.length(2);
  });

  it('`npm start` with an invalid config exits non-zero and prints every problem with its line', async function () {
    this.timeout(30000);
    const dir = tempDir();
    const configFile = path.join(dir, 'bakebot.yaml');
    const plugins: Record<string, unknown> = {};
    for (const name of builtinPlugins()) plugins[name] = { enabled: false };
    const text = stringify({ bot: { prefix: 'a b', watch: false }, plugins: { ...plugins, quotes: { enabled: true, maxLength: 5 } } });
    writeFileSync(configFile, text);
    const quotesLine = text.split('\n').findIndex((l) => l.trim() === 'maxLength: 5') + 1;
    const prefixLine = text.split('\n').findIndex((l) => l.trim().startsWith('prefix:')) + 1;
    const p = spawnMain(configFile, path.join(dir, 'data'));
    const { code } = await p.exited;
    expect(code, p.stderr()).to.not.equal(0);
    expect(p.stderr()).to.include('BakeBot cannot start: the configuration has errors.');
    expect(p.stderr()).to.include(`bakebot.yaml:${quotesLine} plugins.quotes.maxLength: must be integer >= 10`);
    expect(p.stderr()).to.match(new RegExp(`bakebot\\.yaml:${prefixLine} bot\\.prefix: does not look right`));
  });

  it('while running, rejects an invalid edit, keeps the running config and reports the error until a valid edit', async () => {
    const folder = confPlugin();
    const t = await startCoreBot({ folder, config: { bot: { watch: true }, plugins: { conf: { maxLength: 20 } } } });
    expect(await t.ask('alice', '!max')).to.equal('max=20 prefix=!');
    writeFileSync(t.configFile, stringify({ bot: { watch: true, pluginPaths: [folder.root], commandCooldown: 0 }, plugins: { conf: { maxLength: 3 } } }));
    await waitForLog(t, /the config file has errors; the running config stays/);
    expect(t.host.configIssues.map(formatIssue)).to.deep.equal([`${t.configFile}:8 plugins.conf.maxLength: must be integer >= 10`]);
    expect(await t.ask('alice', '!max')).to.equal('max=20 prefix=!');
    expect(probe.count(/^conf:setup/)).to.equal(1);

    writeFileSync(t.configFile, stringify({ bot: { watch: true, pluginPaths: [folder.root], commandCooldown: 0 }, plugins: { conf: { maxLength: 30 } } }));
    await waitForLog(t, /plugin conf reloaded \(settings changed\)/);
    expect(probe.events).to.deep.equal(['conf:setup:20', 'conf:setup:30']);
    expect(t.host.configIssues).to.deep.equal([]);
    expect(await t.ask('alice', '!max')).to.equal('max=30 prefix=!');
  });
});

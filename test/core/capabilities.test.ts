// Capabilities and environment bindings: a plugin from bot.pluginPaths gets what it declares only once the
// streamer grants it in bot.grants; ctx.env holds only the variables it declares; ctx.host is an interface
// cut for the plugin, never the host. Environment variables set the settings their plugin binds them to.
import { expect } from 'chai';
import { capabilitiesOf } from '../../core/capabilities.ts';
import { ConfigError, formatIssue } from '../../core/config.ts';
import { cleanup, PluginFolder, rewriteConfig, startCoreBot, tempDir } from './helpers.ts';

/** A third-party plugin that asks for everything, and tries each guarded call when the test asks it to. */
const PROBE = `
export default {
  name: 'probe',
  version: '1.0.0',
  configSchema: { type: 'object', additionalProperties: false, properties: { port: { type: 'integer', default: 1 }, label: { type: 'string', default: 'x' } } },
  env: { PROBE_PORT: 'port' },
  envVars: ['PROBE_KEY', 'TWITCH_TOKEN'],
  capabilities: ['host-control', 'all-settings', 'twitch-token', 'chat-as-viewer', 'service:other'],
  setup(ctx) {
    const attempt = (fn) => { try { fn(); return 'ok'; } catch (err) { return err.code + ': ' + err.message; } };
    return {
      env: () => ({ ...ctx.env }),
      config: () => ctx.config,
      capabilities: () => [...ctx.capabilities],
      isHost: (host) => ctx.host === host,
      hostKeys: () => Object.keys(ctx.host).sort(),
      tries: () => ({
        token: attempt(() => ctx.runtime.twitchToken()),
        credentials: attempt(() => void ctx.runtime.connectTwitch({ accessToken: 'a', clientId: 'c' }).catch(() => undefined)),
        disableOther: attempt(() => void ctx.host.setEnabled('other', false).catch(() => undefined)),
        readOther: attempt(() => ctx.host.pluginConfig('other')),
        readOwn: attempt(() => ctx.host.pluginConfig('probe')),
        logs: attempt(() => ctx.host.recentLogs()),
        speak: attempt(() => ctx.runtime.local.post({ login: 'someone', text: 'hi', roles: ['broadcaster'] })),
        service: attempt(() => ctx.service('other')),
        info: attempt(() => ctx.host.plugins().length),
      }),
    };
  },
};
`;
const OTHER = `export default { name: 'other', version: '1.0.0', configSchema: { type: 'object', additionalProperties: false, properties: { secret: { type: 'string', default: 's3cret' } } }, setup() { return { hi: () => 'hi' }; } };`;

interface ProbeService {
  env(): Record<string, string>;
  config(): Record<string, unknown>;
  capabilities(): string[];
  isHost(host: unknown): boolean;
  hostKeys(): string[];
  tries(): Record<string, string>;
}

const ENV = { PROBE_PORT: '4321', PROBE_KEY: 'key-1', TWITCH_TOKEN: 'oauth:not-for-plugins', UNDECLARED_SECRET: 'nope' };

function folderWithProbe(): PluginFolder {
  const folder = new PluginFolder(tempDir('bakebot-plugins-'));
  folder.write('probe', PROBE);
  folder.write('other', OTHER);
  return folder;
}

describe('core: capabilities', () => {
  afterEach(cleanup);

  it('a plugin from pluginPaths without grants is refused the token, host control, other settings and undeclared variables; granted, it gets them', async () => {
    const folder = folderWithProbe();
    const t = await startCoreBot({ folder, env: ENV });
    const probe = () => t.service('probe' as never) as ProbeService;

    expect(probe().env()).to.deep.equal({ PROBE_PORT: '4321', PROBE_KEY: 'key-1' });
    expect(probe().capabilities()).to.deep.equal([]);
    expect(probe().isHost(t.host)).to.equal(false);
    expect(probe().hostKeys()).not.to.include.members(['start', 'stop', 'applyConfigFile', 'serviceOf']);
    const refused = probe().tries();
    expect(refused.token).to.equal('CAPABILITY_REQUIRED: plugin probe may not read the bot\'s Twitch token without the capability "twitch-token"; grant it in the config file with bot.grants: { probe: [twitch-token] }');
    expect(refused.credentials).to.match(/^CAPABILITY_REQUIRED: .*"twitch-token"/);
    expect(refused.disableOther).to.match(/^CAPABILITY_REQUIRED: plugin probe may not disable plugin "other" without the capability "host-control"; grant it .*bot\.grants: \{ probe: \[host-control\] \}/);
    expect(refused.readOther).to.match(/^CAPABILITY_REQUIRED: .*"all-settings".*bot\.grants: \{ probe: \[all-settings\] \}/);
    expect(refused.logs).to.match(/^CAPABILITY_REQUIRED: .*"host-control"/);
    expect(refused.speak).to.match(/^CAPABILITY_REQUIRED: plugin probe may not post in chat as a viewer without the capability "chat-as-viewer"/);
    expect(refused.service).to.match(/^CAPABILITY_REQUIRED: .*"service:other"/);
    expect(refused.readOwn).to.equal('ok');
    expect(refused.info).to.equal('ok');
    expect(t.host.plugin('other')?.state).to.equal('enabled');
    expect(t.host.plugin('probe')?.capabilities).to.deep.equal({ declared: ['host-control', 'all-settings', 'twitch-token', 'chat-as-viewer', 'service:other'], granted: [] });

    // The streamer grants it: the plugin starts again with its capabilities.
    rewriteConfig(t, folder, { bot: { grants: { probe: ['host-control', 'all-settings', 'twitch-token', 'chat-as-viewer', 'service:other'] } } });
    expect((await t.host.applyConfigFile()).ok).to.equal(true);
    expect(probe().env()).to.deep.equal({ PROBE_PORT: '4321', PROBE_KEY: 'key-1', TWITCH_TOKEN: 'oauth:not-for-plugins' });
    expect(probe().capabilities()).to.have.members(['host-control', 'all-settings', 'twitch-token', 'chat-as-viewer', 'service:other']);
    const granted = probe().tries();
    for (const [what, result] of Object.entries(granted)) expect(result, what).to.equal('ok');
    expect(t.host.plugin('probe')?.capabilities.granted).to.have.length(5);
    // setEnabled('other', false) went through.
    await t.host.setEnabled('probe', true); // queued behind the setEnabled the plugin asked for
    expect(t.host.plugin('other')?.wanted).to.equal(false);
  });

  it('a built-in plugin has what it declares, any other what it is granted', () => {
    expect(capabilitiesOf(true, ['host-control', 'public-assets'], undefined)).to.deep.equal(['host-control', 'public-assets']);
    expect(capabilitiesOf(false, ['host-control', 'public-assets'], undefined)).to.deep.equal([]);
    expect(capabilitiesOf(false, ['host-control'], ['public-assets', 'service:economy'])).to.deep.equal(['public-assets', 'service:economy']);
  });

  it('a grant naming no capability is a config error with its line', async () => {
    const folder = folderWithProbe();
    const yaml = 'bot:\n  watch: false\n  pluginPaths: [' + JSON.stringify(folder.root) + ']\n  grants:\n    probe: [host-control, host-contrl]\n';
    let lines: string[] = [];
    try {
      await startCoreBot({ folder, yaml });
      expect.fail('the bot started with an unknown capability granted');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      lines = (err as ConfigError).issues.map(formatIssue);
    }
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/bakebot\.yaml:5 bot\.grants\.probe\.1: "host-contrl" is not a capability \(known: host-control, all-settings, twitch-token, chat-as-viewer, public-assets, service:<plugin>\)$/);
  });
});

describe('core: environment bindings', () => {
  afterEach(cleanup);

  it('a variable a plugin binds sets its setting (typed by the schema), is reported per setting, and a bad value names the variable', async () => {
    const folder = folderWithProbe();
    const t = await startCoreBot({ folder, env: ENV });
    const probe = t.service('probe' as never) as ProbeService;
    expect(probe.config()).to.deep.equal({ port: 4321, label: 'x' });
    expect(t.host.settingsFromEnv('probe')).to.deep.equal({ port: 'PROBE_PORT' });
    expect(t.host.settingsFromEnv('other')).to.deep.equal({});
    expect(t.host.plugin('probe')).to.deep.include({ envBindings: { PROBE_PORT: 'port' }, envVars: ['PROBE_KEY', 'TWITCH_TOKEN'] });
    await t.stop();

    let lines: string[] = [];
    try {
      await startCoreBot({ folder, env: { PROBE_PORT: 'eighty' } });
    } catch (err) {
      lines = (err as ConfigError).issues.map(formatIssue);
    }
    expect(lines).to.deep.equal(['environment plugins.probe.port: must be integer (set by PROBE_PORT)']);
  });

  it('binds `enabled`; core needs no entry for a plugin that is not installed (ENABLE_EVENTSUB, GUI_PORT)', async () => {
    const folder = new PluginFolder(tempDir('bakebot-plugins-'));
    folder.write('switchable', `export default { name: 'switchable', version: '1.0.0', env: { SWITCHABLE_ON: 'enabled' }, setup() {} };`);
    const t = await startCoreBot({ folder, env: { SWITCHABLE_ON: 'false', ENABLE_EVENTSUB: 'true', EVENTSUB_PORT: '8081', GUI_PORT: '5001' } });
    expect(t.host.plugin('switchable')?.state).to.equal('disabled');
    expect(t.host.settingsFromEnv('switchable')).to.deep.equal({ enabled: 'SWITCHABLE_ON' });
    const warnings = t.bot.logs.recent().filter((e) => e.level === 'warn').map((e) => e.msg);
    expect(warnings.filter((m) => /eventsub|dashboard/.test(m))).to.deep.equal([]);
  });

  it('refuses a binding to a setting the schema does not have, naming it', async () => {
    const folder = new PluginFolder(tempDir('bakebot-plugins-'));
    folder.write('typo', `export default { name: 'typo', version: '1.0.0', configSchema: { type: 'object', properties: { port: { type: 'integer' } } }, env: { TYPO_PORT: 'prot' }, setup() {} };`);
    const t = await startCoreBot({ folder });
    expect(t.host.plugins().find((p) => p.name === 'typo')?.error).to.match(/env: TYPO_PORT sets "prot", which is not a setting of its configSchema/);
  });
});

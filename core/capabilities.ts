// Capabilities: what a plugin may do beyond its own resources. A built-in plugin has what its definition
// declares; a plugin from bot.pluginPaths or bot.pluginPackages has what the streamer lists for it under
// `bot.grants` in the config. The objects a plugin gets as ctx.host, ctx.runtime and ctx.env are built
// here for that plugin, so a call it was not granted fails with an error that says how to grant it.
// This keeps honest plugins honest and makes grants visible; it does not sandbox code that runs in the
// bot's own process (see docs/plugins.md).
import type { BotRuntime, Capability, HostControl } from './types.ts';

export const CAPABILITIES = ['host-control', 'all-settings', 'twitch-token', 'chat-as-viewer', 'public-assets'] as const;
const SERVICE = /^service:[a-z][a-z0-9_]{0,39}$/;

export function isCapability(value: unknown): value is Capability {
  return typeof value === 'string' && ((CAPABILITIES as readonly string[]).includes(value) || SERVICE.test(value));
}

/** Why `value` is not a capability, for a config or definition error; undefined when it is one. */
export function capabilityProblem(value: unknown): string | undefined {
  if (isCapability(value)) return undefined;
  return `${JSON.stringify(value)} is not a capability (known: ${CAPABILITIES.join(', ')}, service:<plugin>)`;
}

/** Environment variables that hold the bot's Twitch credentials: reading them is `twitch-token`'s business. */
export const CREDENTIAL_VARIABLES: ReadonlySet<string> = new Set(['TWITCH_TOKEN', 'TWITCH_REFRESH_TOKEN', 'TWITCH_CLIENT_SECRET']);

export class CapabilityError extends Error {
  override name = 'CapabilityError';
  readonly code = 'CAPABILITY_REQUIRED';
  constructor(
    readonly plugin: string,
    readonly capability: Capability,
    doing: string,
  ) {
    super(`plugin ${plugin} may not ${doing} without the capability "${capability}"; grant it in the config file with bot.grants: { ${plugin}: [${capability}] }`);
  }
}

export type CapabilityCheck = (capability: Capability) => boolean;

/** What a plugin has now: built in, what it declares; otherwise what the config grants. */
export function capabilitiesOf(builtin: boolean, declared: readonly Capability[] | undefined, granted: readonly string[] | undefined): Capability[] {
  const fromConfig = (granted ?? []).filter(isCapability);
  return [...new Set(builtin ? [...(declared ?? []), ...fromConfig] : fromConfig)];
}

/**
 * The host as one plugin sees it: information about every plugin, but other plugins' settings and
 * control over other plugins only with the capability. Never the host object itself.
 */
export function hostFor(plugin: string, host: HostControl, has: CapabilityCheck): HostControl {
  const need = (capability: Capability, doing: string) => {
    if (!has(capability)) throw new CapabilityError(plugin, capability, doing);
  };
  const onOther = (name: string, capability: Capability, doing: string) => {
    if (name !== plugin) need(capability, doing);
  };
  return Object.freeze({
    plugins: () => host.plugins(),
    plugin: (name: string) => host.plugin(name),
    setEnabled: (name: string, enabled: boolean, options?: { persist?: boolean }) => {
      onOther(name, 'host-control', `${enabled ? 'enable' : 'disable'} plugin "${name}"`);
      return host.setEnabled(name, enabled, options);
    },
    reload: (name: string) => {
      onOther(name, 'host-control', `reload plugin "${name}"`);
      return host.reload(name);
    },
    saveConfig: (name: string, settings: Record<string, unknown>) => {
      onOther(name, 'all-settings', `save the settings of plugin "${name}"`);
      return host.saveConfig(name, settings);
    },
    saveBotConfig: (edits: readonly { path: string[]; value: unknown }[], remove?: readonly string[][]) => {
      need('all-settings', 'save the bot settings');
      if (!host.saveBotConfig) throw new Error('this host cannot save bot settings');
      return host.saveBotConfig(edits, remove);
    },
    pluginConfig: (name: string) => {
      onOther(name, 'all-settings', `read the settings of plugin "${name}"`);
      return host.pluginConfig(name);
    },
    settingsFromEnv: (name: string) => host.settingsFromEnv(name),
    get configFile() {
      return host.configFile;
    },
    get configIssues() {
      return host.configIssues;
    },
    get startedAt() {
      return host.startedAt;
    },
    recentLogs: () => {
      need('host-control', "read the bot's log");
      return host.recentLogs();
    },
    onLog: (listener: Parameters<HostControl['onLog']>[0]) => {
      need('host-control', "read the bot's log");
      return host.onLog(listener);
    },
    hasCapability: (name: string, capability: Capability) => host.hasCapability(name, capability),
    requireCapability: (name: string, capability: Capability, doing: string) => host.requireCapability(name, capability, doing),
  });
}

/** The running bot as one plugin sees it: status for all; the token, chat control and viewers' voices by capability. */
export function runtimeFor(plugin: string, runtime: BotRuntime, has: CapabilityCheck): BotRuntime {
  const need = (capability: Capability, doing: string) => {
    if (!has(capability)) throw new CapabilityError(plugin, capability, doing);
  };
  return Object.freeze({
    status: () => runtime.status(),
    onStatus: (listener: Parameters<BotRuntime['onStatus']>[0]) => runtime.onStatus(listener),
    startChat: () => {
      need('host-control', 'start chat');
      return runtime.startChat();
    },
    stopChat: () => {
      need('host-control', 'stop chat');
      return runtime.stopChat();
    },
    connectTwitch: (...args: Parameters<BotRuntime['connectTwitch']>) => {
      need('twitch-token', "replace the bot's Twitch credentials");
      return runtime.connectTwitch(...args);
    },
    commands: () => runtime.commands(),
    twitchToken: () => {
      need('twitch-token', "read the bot's Twitch token");
      return runtime.twitchToken();
    },
    local: Object.freeze({
      post: (input: Parameters<BotRuntime['local']['post']>[0]) => {
        need('chat-as-viewer', 'post in chat as a viewer');
        return runtime.local.post(input);
      },
      onBotMessage: (listener: Parameters<BotRuntime['local']['onBotMessage']>[0]) => runtime.local.onBotMessage(listener),
    }),
    get dataDir() {
      return runtime.dataDir;
    },
  });
}

/** The declared variables only (binding keys and envVars); credentials also need `twitch-token`. */
export function envFor(declared: readonly string[], env: Readonly<Record<string, string | undefined>>, has: CapabilityCheck): Readonly<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const name of declared) {
    if (CREDENTIAL_VARIABLES.has(name) && !has('twitch-token')) continue;
    if (env[name] !== undefined) out[name] = env[name];
  }
  return Object.freeze(out);
}

// The web dashboard: a Koa 3 server (pages rendered with nunjucks, a JSON API, server-sent events) for the
// streamer: bot status and control, plugins and their settings, the Twitch setup wizard, logs, test chat
// and charts. It knows no other plugin by name: they add pages, panels, charts, API routes, viewer sections
// and the chat history through its service (the economy its Users pages, the chat log its history).
// Everything runs behind a login, a Host check, CSRF tokens and a strict Content-Security-Policy.
import path from 'node:path';
import { definePlugin } from '../../core/define.ts';
import { DASHBOARD_SCHEMA } from './config.ts';
import type { DashboardService } from './service.ts';
import { Auth } from './server/auth.ts';
import { adopt, handOff } from './server/carry.ts';
import { errorMessage } from '../../core/errors.ts';
import { describeStatus, httpError, pluginRows, Transcript, type StatusSnapshot } from './server/context.ts';
import { EventHub } from './server/events.ts';
import { ExtensionRegistry } from './server/extensions.ts';
import { RecordedRouter } from './server/route-specs.ts';
import { allowedHostNames } from './server/guards.ts';
import { listen, unavailable, type Handler, type Listener } from './server/listener.ts';
import { escapeHtml, html } from './server/html.ts';
import { SecretStore } from './server/secrets.ts';
import { Stats } from './server/stats.ts';
import { FailureThrottle } from './server/throttle.ts';
import { TwitchOAuth, WizardStore, type TokenCheck } from './server/twitch-oauth.ts';
import type { BaseDeps, Web } from './server/web.ts';

export type { DashboardService } from './service.ts';

const HOUR = 3_600_000;

export default definePlugin({
  name: 'dashboard',
  version: '1.0.0',
  description: 'Web dashboard: bot status and control, plugin settings, Twitch setup wizard, logs, test chat, charts and a JSON API; other plugins add their pages.',
  configSchema: DASHBOARD_SCHEMA,
  migrations: 'migrations',
  env: { GUI_HOST: 'host', GUI_PORT: 'port' },
  envVars: ['DASHBOARD_PASSWORD', 'SECRET_KEY', 'BAKEBOT_API_TOKEN', 'BAKEBOT_NO_WEB', 'TWITCH_CLIENT_ID', 'TWITCH_TOKEN', 'TWITCH_AUTH_URL'],
  // It is the streamer's control panel: plugins, their settings, chat control, the setup wizard, the test chat.
  capabilities: ['host-control', 'all-settings', 'twitch-token', 'chat-as-viewer'],

  async setup(ctx) {
    const env = ctx.env;
    // What the previous generation handed over (listener, open event streams, transcript, wizard; see carry.ts).
    const inherited = adopt(ctx.inherited, ctx.log);
    // The dashboard's secrets file (session key, password hash, API tokens, sessions): out of other plugins' ctx.db.
    const secrets = await SecretStore.open(ctx.runtime.dataDir);
    // The host calls handOver (reload, restart) before dispose, and only when a next generation follows.
    let handedOver = false;
    // Registered before everything else, so it runs after everything else (the listener is closed or handed on).
    ctx.onDispose(async () => {
      // Handed over: a request this generation still answers (the one that restarted it) may save its session.
      if (handedOver) setTimeout(() => void secrets.close().catch(() => undefined), 10_000).unref();
      else await secrets.close();
    });
    const { moved } = await secrets.moveFrom(ctx.db);
    if (moved) ctx.log.info(`moved the dashboard's secrets (${moved} rows) out of the bot database into ${secrets.file}`);
    const registry = new ExtensionRegistry(ctx);
    const hub = new EventHub(inherited.clients);
    const stats = new Stats(ctx.db, () => ctx.clock.now());
    const transcript = new Transcript(inherited.transcript);
    const wizard = new WizardStore(() => Date.now(), inherited.wizard);
    const templatesDir = path.join(ctx.dir, 'templates');
    // The web server's code (server/web.ts: Koa, nunjucks, ajv), imported once, after the ready line or when first needed.
    let web: Promise<Web> | undefined;
    const loadWeb = () => (web ??= import('./server/web.ts').then((m) => m.createWeb(base, templatesDir)));
    /** The listener of this generation (inherited or its own). */
    let listener: Listener | undefined;
    /** A listener this generation opened itself (not inherited); closed if setup fails. */
    let opened: Listener | undefined;

    const service: DashboardService = {
      get url() {
        return listener?.url;
      },
      addPage: (owner, page) => registry.addPage(owner, page),
      addNav: (owner, entry) => registry.addNav(owner, entry),
      addPanel: (owner, panel) => registry.addPanel(owner, panel),
      addApi: (owner, routes) => registry.addApi(owner, routes),
      router: () => new RecordedRouter(),
      httpError,
      addChart: (owner, chart) => registry.addChart(owner, chart),
      addUserSection: (owner, section) => registry.addUserSection(owner, section),
      renderUserSections: async (user) => {
        const out = [];
        for (const s of registry.userSections()) {
          let body: string;
          try {
            const content = await s.item.render?.(user);
            if (content === undefined) continue;
            body = await (await loadWeb()).deps.content.render(content, {});
          } catch (err) {
            ctx.log.warn(`user section ${s.item.id} of ${s.owner} failed: ${errorMessage(err)}`);
            body = `<p class="note bad">This part failed: ${escapeHtml(errorMessage(err))}</p>`;
          }
          out.push({ id: s.item.id, title: s.item.title, owner: s.owner, html: { __safeHtml: body } });
        }
        return out;
      },
      exportUserSections: async (user) => {
        const out: Record<string, unknown> = {};
        for (const s of registry.userSections()) if (s.item.export) out[s.item.id] = await s.item.export(user);
        return out;
      },
      addSetupStep: (owner, step) => registry.addSetupStep(owner, step),
      provideChatHistory: (owner, provider) => registry.provideChatHistory(owner, provider),
      addAssets: (owner, dir) => registry.addAssets(owner, dir),
      publish: (owner, event, data) => hub.send('ext', { plugin: owner.name, event, data }),
      html,
      escape: escapeHtml,
    };

    let started = false;
    ctx.handOver(() => {
      handedOver = true;
      return handOff({ listener, clients: hub.clients, transcript: transcript.snapshot(), wizard: wizard.states });
    });
    // Registered first, so it runs last, after everything else this generation registered.
    ctx.onDispose(async () => {
      if (handedOver) return; // the next generation owns the listener and the streams now
      if (started) {
        // Disabled, or the bot stops: nothing follows, release everything.
        hub.closeAll();
        await listener?.close();
        return;
      }
      // Setup failed. On a failed reload the host sets the previous version up again with the same
      // hand-over, so what was inherited stays as it was (a listener nobody attaches closes itself).
      await opened?.close();
      inherited.listener?.detach();
    });

    // ---- what the pages show live
    let tokenCheck: TokenCheck | undefined;
    const status = (): StatusSnapshot => {
      const s = ctx.runtime.status();
      const now = ctx.clock.now();
      return { ...s, detail: s.detail ?? null, ...describeStatus(s), uptimeSec: Math.max(0, Math.floor((now - s.startedAt) / 1000)), messagesPerMinute: stats.messagesPerMinute(), token: tokenCheck, now };
    };
    let lastStatusPush = 0;
    const pushStatus = () => {
      lastStatusPush = Date.now();
      hub.send('status', status());
    };
    const base: BaseDeps = {
      ctx,
      env,
      auth: new Auth(ctx.db, secrets, env, () => ctx.clock.now(), () => ({ idleMs: ctx.config.sessionHours * HOUR, absoluteMs: ctx.config.sessionMaxHours * HOUR })),
      hub,
      registry,
      stats,
      oauth: new TwitchOAuth((env.TWITCH_AUTH_URL || 'https://id.twitch.tv').replace(/\/+$/, ''), () => Date.now()),
      wizard,
      transcript,
      loginThrottle: new FailureThrottle(() => ctx.clock.now(), () => ctx.config.loginAttempts, 15 * 60_000),
      bearerThrottle: new FailureThrottle(() => ctx.clock.now(), () => 20, 15 * 60_000),
      status,
      tokenCheck: () => tokenCheck,
      checkToken: async () => {
        const current = ctx.runtime.twitchToken();
        tokenCheck = current
          ? await base.oauth.validate(current.accessToken, current.source)
          : { ok: false, checkedAt: Date.now(), source: 'none', error: 'no Twitch token yet: run the setup wizard' };
        if (current && !tokenCheck.ok) ctx.log.warn(`the Twitch token check failed: ${tokenCheck.error ?? 'unknown reason'}`);
        pushStatus();
        return tokenCheck;
      },
      allowedHosts: () => allowedHostNames(ctx.config.host, ctx.config.allowedHosts),
      pluginsChanged: () => hub.send('plugins', pluginRows(base)),
    };

    ctx.hooks.chatMessage.tap((m) => {
      stats.chatMessage(m.time);
      if (m.transport === 'local') {
        hub.send('transcript', transcript.add({ kind: 'viewer', id: m.id, login: m.user.login, displayName: m.user.displayName, roles: m.user.roles, text: m.text, at: m.time }));
      }
      // Built only for a page that listens: in a busy channel this runs a thousand times a second.
      if (hub.wants('chat')) hub.send('chat', { id: m.id, channel: m.channel, login: m.user.login, displayName: m.user.displayName, roles: m.user.roles, text: m.text, time: m.time, transport: m.transport });
      if (Date.now() - lastStatusPush > 1000) pushStatus();
    });
    ctx.hooks.command.tap((call) => stats.commandUsed(call.command));
    ctx.hooks.pluginLoaded.tap(() => base.pluginsChanged());
    ctx.hooks.pluginUnloaded.tap(() => base.pluginsChanged());
    ctx.hooks.configChanged.tap(() => base.pluginsChanged());
    ctx.onDispose(ctx.runtime.local.onBotMessage((out) => hub.send('transcript', transcript.add(Transcript.bot(out)))));
    ctx.onDispose(ctx.runtime.onStatus(() => pushStatus()));
    ctx.onDispose(ctx.host.onLog((entry) => hub.send('log', entry)));

    if (env.BAKEBOT_NO_WEB === '1' || env.BAKEBOT_NO_WEB === 'true') {
      await inherited.listener?.close();
      started = true;
      ctx.log.info('BAKEBOT_NO_WEB is set: the dashboard does not listen (other plugins can still register with it)');
      return service;
    }

    const auth = base.auth;
    const secret = await auth.secretKey();
    const generated = await auth.ensurePassword();
    if (generated) {
      // On the terminal only: never in the log buffer, /api/logs, the Logs page or the live log stream.
      // Printed before listening, so a port that is taken does not lose it.
      ctx.log.terminalOnly(`dashboard password (shown only here on the terminal, at every start until someone logs in; change it on the Security page, reset it with "npm run dashboard:password", or set DASHBOARD_PASSWORD to choose one): ${generated}`);
      ctx.log.warn('a password for the dashboard was generated and printed on the terminal only (it is not kept in this log); change it on the Security page, reset it with "npm run dashboard:password", or set DASHBOARD_PASSWORD');
    }
    const appOptions = { keys: [secret], assetsDir: path.join(ctx.dir, 'assets'), sessionMs: ctx.config.sessionMaxHours * HOUR };

    // ---- the server: the previous generation's listener when host and port are unchanged
    const { host, port } = ctx.config;
    const previous = inherited.listener;
    const reuse = previous && !previous.closed && previous.host === host && previous.configuredPort === port ? previous : undefined;
    listener = reuse;
    if (!listener) {
      try {
        listener = opened = await listen(host, port);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        let message = `cannot listen on ${host}:${port}: ${(err as Error).message}`;
        if (code === 'EADDRINUSE') {
          message = inherited.unreadable
            ? `port ${port} on ${host} is in use, probably still by the previous version of the dashboard, which hands over in a form this one does not read: restart the bot to finish the upgrade`
            : `port ${port} on ${host} is in use by another program: choose another with plugins.dashboard.port or GUI_PORT`;
        }
        throw new Error(message, { cause: err });
      }
    }
    if (ctx.signal.aborted) {
      // The host gave up on this setup (bot.pluginSetupTimeout) and disposed it meanwhile.
      await opened?.close();
      throw new Error('the dashboard was stopped while it started');
    }
    started = true;
    // The app is attached once its code is loaded (after the ready line; at once on a reload): until then
    // the listener holds requests, so a browser opened during the start waits instead of failing.
    const serving = listener;
    ctx.afterStart(async () => {
      let handler: Handler;
      try {
        handler = (await loadWeb()).handler(appOptions);
      } catch (err) {
        ctx.log.error(`the dashboard's web server failed to load: ${errorMessage(err)}`);
        handler = (_req, res) => unavailable(res, `the dashboard failed to load: ${errorMessage(err)}`);
      }
      // Unloaded or handed on meanwhile: the listener belongs to whoever comes next.
      if (ctx.signal.aborted || handedOver) return;
      serving.attach(handler);
      if (previous && !reuse) {
        // Only now that the new address answers: a failed setup leaves the previous listener to the version put back.
        ctx.log.info(`dashboard moves from ${previous.url}`);
        // The request that changed the address may still be answering: give it a moment.
        void previous.close(1000);
      }
      if (!reuse) ctx.log.info(`dashboard at ${serving.url}`);
    });
    if (host === '0.0.0.0' || host === '::') ctx.log.warn(`the dashboard listens on every network interface (${host}); only the host names ${[...base.allowedHosts()].join(', ')} are answered`);

    // ---- periodic work
    // After the ready line: the first fetch loads Node's HTTP client and TLS (about 120 ms) that chat need not wait for.
    ctx.afterStart(() => void base.checkToken().catch((err: unknown) => ctx.log.warn(`Twitch token check failed: ${(err as Error).message}`)));
    ctx.timers.setInterval(() => base.checkToken().then(() => undefined), HOUR);
    ctx.timers.setInterval(() => auth.dropExpiredSessions().then(() => undefined), HOUR);
    ctx.timers.setInterval(() => {
      if (hub.size) {
        hub.ping();
        pushStatus();
      }
    }, 15_000);
    return service;
  },
});

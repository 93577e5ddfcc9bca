// The broadcaster's login as a step of the dashboard's setup wizard (and the same block on the EventSub
// page): the scopes it asks for, the device-code flow (login.ts) and what the bot has now: logged in as
// whom, which scopes are missing, or the bot's own token serving both when the bot account is the broadcaster.
import type { PluginContext } from '../../core/types.ts';
import type { DashboardService, PageRequest, SafeHtml } from '../dashboard/service.ts';
import { ALL_SCOPES } from './auth.ts';
import type { createLogin } from './login.ts';
import type { EventSubService } from './service.ts';
import type { EventSubConfig } from './settings.ts';

export const STEP_ID = 'eventsub-broadcaster';

type Login = ReturnType<typeof createLogin>;

/** Where a login form sends the browser back to: the wizard, or the EventSub page. */
export type LoginFrom = 'setup' | 'eventsub';

export function loginReturn(from: unknown, step: { ok: boolean; message: string }): string {
  const query = `login=${encodeURIComponent(step.message)}&ok=${step.ok ? 1 : 0}`;
  return from === 'setup' ? `/setup?${query}#setup-${STEP_ID}` : `/eventsub?${query}#eventsub-login`;
}

const SOURCES: Record<string, string> = {
  environment: 'TWITCH_BROADCASTER_TOKEN in .env',
  stored: 'the login made here',
  bot: "the bot's own token: the bot account is the broadcaster, so one token serves both",
};

/** What the broadcaster's token is now, in words, with the login's forms. */
export function loginBlock(h: DashboardService['html'], request: PageRequest, service: EventSubService, login: Login, from: LoginFrom): SafeHtml {
  const s = service.status();
  const b = s.broadcaster;
  const missing = b ? ALL_SCOPES.filter((x) => !b.scopes.includes(x)) : [];
  const pending = login.pending();
  const hidden = h`<input type="hidden" name="_csrf" value="${request.csrf}"><input type="hidden" name="from" value="${from}">`;
  const state = b
    ? h`<p class="ok-text" id="eventsub-broadcaster-state">Logged in as <strong>${b.login}</strong> (token from ${SOURCES[b.source] ?? b.source}).</p>
    ${missing.length
      ? h`<p class="note bad" id="eventsub-missing-scopes">The token lacks the scopes <strong>${missing.join(', ')}</strong>: the events that need them are not received. ${b.source === 'bot' ? 'Log the bot in again with "The bot account is the broadcaster" ticked, or log the broadcaster in here.' : 'Log the broadcaster in again to grant them.'}</p>`
      : h`<p class="muted small">It has every scope the events need.</p>`}`
    : s.connection.status === 'error'
      ? h`<p class="note bad" id="eventsub-broadcaster-state">Not logged in: ${s.connection.detail}</p>`
      : h`<p class="muted" id="eventsub-broadcaster-state">Checking the broadcaster's token…</p>`;
  return h`
    <p>Channel points, follows, subs, cheers and raids need the <strong>broadcaster's</strong> own Twitch token (the bot account's cannot read another channel's redemptions), with the scopes <code id="eventsub-scopes">${ALL_SCOPES.join(' ')}</code>. It is kept apart from the bot's chat token and refreshed the same way.</p>
    ${state}
    ${request.query.login ? h`<p class="note${request.query.ok === '1' ? '' : ' bad'}" id="eventsub-login-message" role="status">${request.query.login}</p>` : ''}
    ${pending
      ? h`<p>On a device where you can log in to Twitch <strong>as the broadcaster</strong>, open <a href="${pending.verificationUri}" target="_blank" rel="noopener noreferrer">${pending.verificationUri}</a> and enter the code <strong class="code" id="eventsub-user-code">${pending.userCode}</strong>.</p>
    <form method="post" action="/api/eventsub/broadcaster/check" class="inline">${hidden}<button type="submit" class="primary" id="eventsub-login-check">I have approved it</button></form>`
      : h`<form method="post" action="/api/eventsub/broadcaster/start" class="inline">${hidden}<button type="submit"${b ? '' : h` class="primary"`} id="eventsub-login-start">${b ? 'Log in the broadcaster again' : 'Log in the broadcaster'}</button></form>`}`;
}

/** Adds the step to the setup wizard; it goes away with this plugin. */
export function addSetupStep(ctx: PluginContext<EventSubConfig>, dashboard: DashboardService, service: EventSubService, login: Login): void {
  dashboard.addSetupStep(ctx, {
    id: STEP_ID,
    title: 'Log in the broadcaster for channel points',
    order: 50,
    broadcasterScopes: ALL_SCOPES,
    render: (request) => loginBlock(dashboard.html, request, service, login, 'setup'),
  });
}

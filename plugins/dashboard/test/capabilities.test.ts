// The Plugins page shows each plugin's capabilities and environment variables, and addAssets (files served
// without login) needs the `public-assets` capability: a third-party plugin without the grant is refused
// with an error that names the config line to add.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startTestBot } from '../../../test/support/kit.ts';
import { Client } from './helpers.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

describe('dashboard: capabilities', () => {
  it('refuses addAssets to a plugin that was not granted public-assets, and shows declared and granted capabilities', async () => {
    const t = await startTestBot({ plugins: ['dashboard'], pluginPaths: [FIXTURES], config: { plugins: { dashboard: { port: 0 } } }, env: { DASHBOARD_PASSWORD: 'pw' } });
    try {
      const hello = t.host.plugin('hello');
      expect(hello?.state).to.equal('failed');
      expect(hello?.error).to.match(/plugin hello may not serve a folder through the dashboard without login \(addAssets\) without the capability "public-assets"; grant it in the config file with bot\.grants: \{ hello: \[public-assets\] \}/);
      expect(hello?.capabilities).to.deep.equal({ declared: ['public-assets'], granted: [] });
      expect(t.host.plugin('dashboard')?.capabilities.granted).to.include.members(['host-control', 'all-settings', 'twitch-token', 'chat-as-viewer']);

      const c = new Client(t.service('dashboard').url ?? '');
      await c.login('pw');
      const page = (await c.get('/plugins')).text;
      expect(page).to.match(/data-capabilities-of="hello">Capabilities:\s*<span class="capability not-granted">public-assets \(not granted\)<\/span>/);
      expect(page).to.include('To grant them, add to the config file: <code>bot.grants: { hello: [public-assets] }</code>');
      expect(page).to.include('<span class="capability granted">host-control (granted)</span>');
      expect(page).to.match(/<code>GUI_HOST<\/code> sets host, <code>GUI_PORT<\/code> sets port;\s*reads <code>DASHBOARD_PASSWORD<\/code>/);
    } finally {
      await t.stop();
    }
  });
});

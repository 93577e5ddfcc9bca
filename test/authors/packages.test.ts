// A plugin installed as an npm package into the bot's folder is found there, and its migrations, `ctx.dir`
// and files are its package folder's (they were the bot's folder's: "migrations folder <bot>/migrations").
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { startTestBot } from '../support/kit.ts';
import { cleanup, onCleanup, tempDir } from '../core/helpers.ts';

function writePackage(dir: string): void {
  mkdirSync(path.join(dir, 'migrations'), { recursive: true });
  mkdirSync(path.join(dir, 'assets'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'bakebot-plugin-jar', version: '1.0.0', type: 'module', exports: './src/plugin.ts' }));
  writeFileSync(path.join(dir, 'migrations', '001-jar.sql'), '-- Up\nCREATE TABLE jar_cookies (n INTEGER NOT NULL);\nINSERT INTO jar_cookies (n) VALUES (3);\n');
  writeFileSync(path.join(dir, 'assets', 'label.txt'), 'cookie jar\n');
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(
    path.join(dir, 'src', 'plugin.ts'),
    `import { readFileSync } from 'node:fs';
import path from 'node:path';
import { definePlugin } from 'bakebot/plugin';

export default definePlugin({
  name: 'jar', version: '1.0.0', migrations: 'migrations',
  setup(ctx) {
    ctx.commands.register({ name: 'jar', description: 'Counts cookies.', run: async (call) => {
      const row = await ctx.db.get<{ n: number }>('SELECT n FROM jar_cookies');
      const label = readFileSync(path.join(ctx.dir, 'assets', 'label.txt'), 'utf8').trim();
      await call.reply(\`\${label}: \${row?.n} (\${ctx.dir})\`);
    } });
  },
});
`,
  );
}

describe('authors: plugin packages', () => {
  afterEach(cleanup);

  for (const how of ['copied', 'linked'] as const) {
    it(`resolves a package's migrations, ctx.dir and assets against its own folder (${how} into node_modules)`, async () => {
      const botDir = tempDir('bakebot-pkgbot-');
      const where = path.join(botDir, 'node_modules', 'bakebot-plugin-jar');
      if (how === 'copied') writePackage(where);
      else {
        const source = tempDir('bakebot-pkgsrc-');
        writePackage(source);
        mkdirSync(path.dirname(where), { recursive: true });
        symlinkSync(source, where, 'dir');
      }
      const t = await startTestBot({ root: botDir, builtins: false, config: { bot: { pluginPackages: ['bakebot-plugin-jar'], commandCooldown: 0 } } });
      onCleanup(() => t.stop());
      const info = t.host.plugin('jar');
      expect(info?.state, info?.error).to.equal('enabled');
      expect(await t.ask('alice', '!jar')).to.equal(`cookie jar: 3 (${realpathSync(where)})`);
    });
  }

  it('reports a package that is not installed in the bot\'s folder by its name', async () => {
    const botDir = tempDir('bakebot-pkgbot-');
    const t = await startTestBot({ root: botDir, builtins: false, config: { bot: { pluginPackages: ['bakebot-plugin-missing'] } } });
    onCleanup(() => t.stop());
    const info = t.host.plugins().find((p) => p.name === 'bakebot-plugin-missing');
    expect(info?.state).to.equal('failed');
    expect(info?.error).to.match(/cannot import package bakebot-plugin-missing/);
  });
});

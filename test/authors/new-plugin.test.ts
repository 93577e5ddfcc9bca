// `npm run new-plugin` writes a plugin whose own test passes as written (run as its author would, in its own
// folder outside the repo), which typechecks against bakebot/*, and which loads into the bot from bot.pluginPaths.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../core/bot.ts';
import { startTestBot } from '../support/kit.ts';
import { cleanup, onCleanup, tempDir } from '../core/helpers.ts';
import { install, runTests, typecheck } from './project.ts';

const run = promisify(execFile);

function newPlugin(args: readonly string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return run('npm', ['--prefix', PROJECT_ROOT, 'run', '-s', 'new-plugin', '--', ...args], { cwd });
}

describe('authors: npm run new-plugin', function () {
  this.timeout(120_000);
  afterEach(cleanup);

  it('writes a plugin whose own test passes, which typechecks, and which the bot loads from pluginPaths', async () => {
    const work = tempDir('bakebot-new-');
    const { stdout } = await newPlugin(['cookie_jar', '--dir', 'plugins/jar'], work);
    const dir = path.join(work, 'plugins', 'jar');
    expect(stdout).to.include(`Wrote plugin "cookie_jar" in ${dir}`);
    for (const f of ['index.ts', 'migrations/001-cookie_jar.sql', 'test/cookie_jar.test.ts', 'package.json', 'tsconfig.json', 'README.md']) expect(existsSync(path.join(dir, f)), f).to.equal(true);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(manifest.devDependencies.bakebot).to.equal(`file:${path.relative(dir, PROJECT_ROOT)}`);

    install(dir);
    const [checked, report] = await Promise.all([typecheck(dir).then(() => 'ok', (err: Error) => err.message), runTests(dir)]);
    expect(checked).to.equal('ok');
    expect(report).to.match(/\b1 passing\b/);

    const t = await startTestBot({ config: { bot: { pluginPaths: [dir] } } });
    onCleanup(() => t.stop());
    expect(t.host.plugin('cookie_jar')?.state, t.host.plugin('cookie_jar')?.error).to.equal('enabled');
    expect(await t.ask('bob', '!cookie_jar')).to.equal('Hello, bob! Visit number 1.');
  });

  it('refuses a bad name and a folder that is not empty, writing nothing', async () => {
    const work = tempDir('bakebot-new-');
    let failed = await newPlugin(['Bad-Name'], work).then(() => '', (err: { stderr: string }) => err.stderr);
    expect(failed).to.match(/"Bad-Name" cannot be a plugin name/);
    await newPlugin(['once'], work);
    failed = await newPlugin(['once'], work).then(() => '', (err: { stderr: string }) => err.stderr);
    expect(failed).to.match(/exists and is not empty: nothing written/);
  });
});

// CI for examples/raffle, a plugin built the way a third party builds one: out of the tree, typechecked
// against the bakebot entry points, its own tests run with the kit, then installed as a package into a fresh
// bot, where it loads, migrates and answers in chat.
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../core/bot.ts';
import { startTestBot } from '../support/kit.ts';
import { cleanup, onCleanup, tempDir } from '../core/helpers.ts';
import { authorProject, install, runTests, typecheck } from './project.ts';

const EXAMPLE = path.join(PROJECT_ROOT, 'examples', 'raffle');

describe('authors: the example plugin (examples/raffle) out of tree', function () {
  this.timeout(120_000);
  afterEach(cleanup);

  it('typechecks against bakebot/* (services typed through the entry points) and passes its own tests in a folder outside the repo', async () => {
    const dir = authorProject(EXAMPLE);
    // A misuse of ctx.service('economy') must be a type error: with the service typed `never` it was not.
    // Every service entry point resolves from outside (types only), the misuse is the one error.
    const entries = ['economy', 'shop', 'dashboard', 'overlays', 'commands', 'minigames', 'breadfight'];
    writeFileSync(path.join(dir, 'entries.ts'), entries.map((e) => `export type * as ${e} from 'bakebot/${e}';\n`).join(''));
    writeFileSync(path.join(dir, 'misuse.ts'), `import { definePlugin } from 'bakebot/plugin';\nexport default definePlugin({ name: 'misuse', version: '1.0.0', dependsOn: ['economy'], setup(ctx) {\n  const b: Promise<string> = ctx.service('economy').balance('x');\n  void b;\n} });\n`);
    const [checked, report] = await Promise.all([typecheck(dir).then(() => '', (err: Error) => err.message), runTests(dir)]);
    const errors = checked.split('\n').filter((l) => /error TS\d+/.test(l));
    expect(errors, checked).to.have.length(1);
    expect(errors[0]).to.match(/^misuse\.ts\(3,9\): error TS2322: Type 'Promise<number>' is not assignable to type 'Promise<string>'/);
    expect(report).to.match(/\b4 passing\b/);
    expect(report).not.to.match(/failing/);
  });

  it('installed as a package into a fresh bot: loads, migrates and answers in chat', async () => {
    const botDir = tempDir('bakebot-fresh-');
    install(botDir);
    cpSync(EXAMPLE, path.join(botDir, 'node_modules', 'bakebot-raffle'), { recursive: true, filter: (f) => !/[\\/](node_modules|\.build|test)$/.test(f) });
    const t = await startTestBot({ root: botDir, plugins: ['economy'], config: { bot: { pluginPackages: ['bakebot-raffle'], commandCooldown: 0 } } });
    onCleanup(() => t.stop());
    const info = t.host.plugin('raffle');
    expect(info?.state, info?.error).to.equal('enabled');
    const migrated = await t.storage.get<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE name IN ('raffle_rounds', 'raffle_tickets')");
    expect(migrated?.n).to.equal(2);
    expect(await t.ask({ login: 'amod', roles: ['moderator'] }, '!startraffle 5')).to.match(/^Raffle #1 is open for 120 s/);
    expect(await t.ask('alice', '!raffle')).to.equal('A ticket costs 5 tokens; you have 0 tokens.');
  });
});

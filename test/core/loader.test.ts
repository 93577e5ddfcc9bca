// The loader: a reload frees the previous build (an imported ES module never was), errors point into the
// plugin's own source files, and a folder plugin outside the bot imports `bakebot/plugin`.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../core/bot.ts';
import { cleanup, logLines, newProbe, pluginFolder, startCoreBot } from './helpers.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1e6;
}

describe('core: loader', () => {
  beforeEach(() => newProbe());
  afterEach(cleanup);

  it('frees what a reload loaded: the heap stays flat over 60 reloads of a 400 KB plugin', async function () {
    this.timeout(120_000);
    // A big plugin (a table of strings, as a bundled question bank would be) makes a leak per reload obvious.
    const table = JSON.stringify(Array.from({ length: 4000 }, (_, i) => `question number ${i} ${'about bread '.repeat(6)}`));
    const folder = pluginFolder();
    folder.write('big', `const TABLE = ${table};\nexport default { name: 'big', version: '1.0.0', setup(ctx) { ctx.commands.register({ name: 'big', description: 'd', run: (c) => c.reply(String(TABLE.length)) }); } };\n`);
    const t = await startCoreBot({ folder });
    expect(await t.ask('alice', '!big')).to.equal('4000');
    for (let i = 0; i < 10; i++) await t.host.reload('big');
    const before = heapMb();
    for (let i = 0; i < 60; i++) await t.host.reload('big');
    const grown = heapMb() - before;
    // Each build is ~400 KB of source; kept builds would add 24 MB or more.
    expect(grown, `${grown.toFixed(1)} MB after 60 reloads`).to.be.lessThan(8);
    expect(await t.ask('bob', '!big')).to.equal('4000');
  });

  it('names the plugin file, line and column where setup threw, through the build\'s source map', async () => {
    const folder = pluginFolder();
    folder.write('thrower', `export function boom() {\n  // line 2\n  throw new Error('setup boom');\n}\n`, 'helper.ts');
    folder.write('thrower', `import { boom } from './helper.ts';\n\nexport default { name: 'thrower', version: '1.0.0', setup() { boom(); } };\n`, 'index.ts');
    const t = await startCoreBot({ folder });
    expect(t.host.plugin('thrower')?.error).to.equal('setup boom');
    expect(logLines(t, 'error').join('\n')).to.match(/plugin thrower could not start: setup boom \(at .*thrower[\\/]helper\.ts:3:9\)/);
  });

  it('names file, line and column of a build error', async () => {
    const folder = pluginFolder();
    folder.write('broken', `export default {\n  name: 'broken',\n  version: '1.0.0',\n  setup() { const x = ; },\n};\n`, 'index.ts');
    const t = await startCoreBot({ folder });
    expect(t.host.plugins().find((p) => p.name === 'broken')?.error).to.match(/broken[\\/]index\.ts:4:23 Unexpected ";"/);
  });

  it('gives a folder plugin outside the bot `bakebot/plugin`, and its own packages before the bot\'s', async () => {
    const folder = pluginFolder();
    folder.write('outside', `import { definePlugin } from 'bakebot/plugin';\nimport { parse } from 'yaml';\n\nexport default definePlugin({ name: 'outside', version: '1.0.0', setup(ctx) { ctx.commands.register({ name: 'outside', description: 'd', run: (c) => c.reply(String(parse('a: 1').a)) }); } });\n`, 'index.ts');
    const t = await startCoreBot({ folder });
    expect(t.host.plugin('outside')?.state, t.host.plugin('outside')?.error).to.equal('enabled');
    expect(await t.ask('alice', '!outside')).to.equal('1');
    folder.write('outside', `import { definePlugin } from 'bakebot/plugin';\n\nexport default definePlugin({ name: 'outside', version: '1.0.1', setup(ctx) { ctx.commands.register({ name: 'outside', description: 'd', run: (c) => c.reply('reloaded') }); } });\n`, 'index.ts');
    await t.reload('outside');
    expect(t.host.plugin('outside')?.version).to.equal('1.0.1');
    expect(await t.ask('bob', '!outside')).to.equal('reloaded');
  });

  it('loads the packages of a part the plugin imports at run time when that part first runs, not at start', async () => {
    const folder = pluginFolder();
    const late = globalThis as { lateLoaded?: string[] };
    delete late.lateLoaded;
    const pkg = (name: string, files: Record<string, string>) => {
      const dir = path.join(folder.root, 'late', 'node_modules', name);
      mkdirSync(dir, { recursive: true });
      for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
    };
    // One CommonJS package, and one ES module that only `import` can resolve (its only export condition).
    pkg('late-cjs', { 'package.json': '{"name":"late-cjs","main":"index.js"}', 'index.js': "(globalThis.lateLoaded ??= []).push('cjs');\nmodule.exports = { name: 'cjs' };\n" });
    pkg('late-esm', { 'package.json': '{"name":"late-esm","type":"module","exports":{".":{"import":"./index.js"}}}', 'index.js': "(globalThis.lateLoaded ??= []).push('esm');\nexport default () => 'esm';\nexport const named = 'named';\n" });
    folder.write('late', "import cjs from 'late-cjs';\nimport esm, { named } from 'late-esm';\n\nexport const describe = () => `${cjs.name} ${esm()} ${named}`;\n", 'part.ts');
    folder.write('late', "import { definePlugin } from 'bakebot/plugin';\n\nexport default definePlugin({ name: 'late', version: '1.0.0', setup(ctx) { ctx.commands.register({ name: 'late', description: 'd', run: async (c) => c.reply((await import('./part.ts')).describe()) }); } });\n", 'index.ts');
    const t = await startCoreBot({ folder });
    expect(t.host.plugin('late')?.state, t.host.plugin('late')?.error).to.equal('enabled');
    expect(late.lateLoaded, 'packages loaded before the part ran').to.equal(undefined);
    const reply = await t.ask('alice', '!late');
    expect(reply, logLines(t).join('\n')).to.equal('cjs esm named');
    expect(late.lateLoaded).to.deep.equal(['cjs', 'esm']);
    delete late.lateLoaded;
  });

  it('tells a plugin that imports a value from core to import only types, naming its file', async () => {
    const folder = pluginFolder();
    const serial = path.join(PROJECT_ROOT, 'core', 'serial.ts');
    folder.write('greedy', `export function queue() {\n  return new SerialQueue();\n}\nimport { SerialQueue } from ${JSON.stringify(serial)};\n`, 'queue.ts');
    folder.write('greedy', `import type { Clock } from ${JSON.stringify(path.join(PROJECT_ROOT, 'core', 'types.ts'))};\nimport { definePlugin } from 'bakebot/plugin';\nimport { isCoded } from 'bakebot/errors';\nimport { queue } from './queue.ts';\n\nexport default definePlugin({ name: 'greedy', version: '1.0.0', setup(ctx) { const c: Clock = ctx.clock; queue(); isCoded(c); } });\n`, 'index.ts');
    folder.write('typed', `import type { Clock } from ${JSON.stringify(path.join(PROJECT_ROOT, 'core', 'types.ts'))};\nimport { definePlugin, PERMISSIONS } from 'bakebot/plugin';\nimport { isCoded } from 'bakebot/errors';\n\nexport default definePlugin({ name: 'typed', version: '1.0.0', setup(ctx) { const c: Clock = ctx.clock; isCoded(c); ctx.log.info(PERMISSIONS[0]); } });\n`, 'index.ts');
    const t = await startCoreBot({ folder });
    const error = t.host.plugins().find((p) => p.name === 'greedy')?.error ?? '';
    expect(error).to.match(/greedy[\\/]queue\.ts imports a value from core\/serial\.ts/);
    expect(error).to.include('imports only types from core');
    expect(t.host.plugin('typed')?.state, t.host.plugin('typed')?.error).to.equal('enabled');
  });
});

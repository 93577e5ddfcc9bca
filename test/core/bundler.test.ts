// A plugin's bundle is kept in its `.build` folder and read back while none of its files changed: the record,
// the code and the source map are separate files, and the map is read only when a stack needs it.
import { existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { bundle } from '../../core/bundler.ts';
import { cleanup, tempDir } from './helpers.ts';

describe('core: plugin bundles kept between starts', () => {
  afterEach(cleanup);

  function plugin(): { dir: string; entry: string; files: { record: string; code: string; map: string } } {
    const dir = tempDir('bakebot-bundle-');
    const entry = path.join(dir, 'index.ts');
    writeFileSync(path.join(dir, 'greet.ts'), "export const greet = (name: string): string => `hello ${name}`;\n");
    writeFileSync(entry, "import { greet } from './greet.ts';\nexport default { name: 'kept', greet };\n");
    // Older than the build's one-second slack, as a file saved a while ago is: only such a bundle is kept.
    const old = new Date(Date.now() - 60_000);
    for (const f of ['greet.ts', 'index.ts']) utimesSync(path.join(dir, f), old, old);
    const build = path.join(dir, '.build');
    return { dir, entry, files: { record: path.join(build, 'plugin-bundle.json'), code: path.join(build, 'plugin.cjs'), map: path.join(build, 'plugin.cjs.map') } };
  }

  it('reads the kept code back, and builds again when a file changed or the code is not the record\'s', async () => {
    const p = plugin();
    const first = await bundle({ dir: p.dir, entry: p.entry }, {});
    expect(first.code).to.include('hello');
    for (const f of Object.values(p.files)) expect(existsSync(f), f).to.equal(true);
    expect(readFileSync(p.files.code, 'utf8')).to.equal(first.code);

    // Same length, other text: what comes back is what was kept, not a new build.
    const marked = first.code.replace('hello', 'HELLO');
    writeFileSync(p.files.code, marked);
    expect((await bundle({ dir: p.dir, entry: p.entry }, {})).code).to.equal(marked);

    // Code of another build (its length differs from the record's): built again.
    writeFileSync(p.files.code, `${first.code}\n// other build`);
    expect((await bundle({ dir: p.dir, entry: p.entry }, {})).code).to.equal(first.code);

    // A source file changed: built again, and the new bundle kept.
    writeFileSync(path.join(p.dir, 'greet.ts'), "export const greet = (name: string): string => `good morning ${name}`;\n");
    const old = new Date(Date.now() - 60_000);
    utimesSync(path.join(p.dir, 'greet.ts'), old, old);
    const changed = await bundle({ dir: p.dir, entry: p.entry }, {});
    expect(changed.code).to.include('good morning');
    expect(readFileSync(p.files.code, 'utf8')).to.equal(changed.code);

    // Other defines are another bundle.
    expect((await bundle({ dir: p.dir, entry: p.entry }, { 'process.env.X': '"1"' })).code).to.include('good morning');
  });

  it('reads the source map only when asked, and a lost map costs only the original places', async () => {
    const p = plugin();
    await bundle({ dir: p.dir, entry: p.entry }, {});
    const kept = await bundle({ dir: p.dir, entry: p.entry }, {});
    const line = kept.code.split('\n').findIndex((l) => l.includes('hello')) + 1;
    const column = (kept.code.split('\n')[line - 1] ?? '').indexOf('hello') + 1;
    // The map names sources from the .build folder.
    expect(kept.map().findOrigin(line, column)).to.include({ fileName: '../greet.ts' });

    const again = await bundle({ dir: p.dir, entry: p.entry }, {});
    rmSync(p.files.map);
    expect(again.code, 'the code is there without the map').to.include('hello');
    expect(again.map().findOrigin(line, column)).to.deep.equal({});
  });
});

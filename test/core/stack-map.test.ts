// Core compiled ahead (`npm start` runs .build/main.mjs): its stack traces still name core's own files and
// lines, mapped through the build's source map only when a stack is made (core/stack-map.mjs).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { build } from 'esbuild';
import { mapStacks } from '../../core/stack-map.mjs';
import { cleanup, tempDir } from './helpers.ts';

describe('core: stack traces of the compiled core', () => {
  afterEach(cleanup);

  it('name the original file, line and column of each frame in the bundle', async () => {
    const dir = tempDir('bakebot-stack-');
    mkdirSync(path.join(dir, 'src'));
    writeFileSync(path.join(dir, 'src', 'oven.ts'), "export class Oven {\n  bake(): never {\n    throw new Error('burnt');\n  }\n}\n");
    writeFileSync(path.join(dir, 'src', 'main.ts'), "import { Oven } from './oven.ts';\nexport function run(): string {\n  try { new Oven().bake(); } catch (err) { return (err as Error).stack ?? ''; }\n  return '';\n}\n");
    const bundle = path.join(dir, '.build', 'main.mjs');
    await build({ entryPoints: [path.join(dir, 'src', 'main.ts')], bundle: true, format: 'esm', platform: 'node', outfile: bundle, sourcemap: 'linked', sourcesContent: false, logLevel: 'warning' });
    const before = Error.prepareStackTrace;
    try {
      mapStacks(bundle);
      const { run } = (await import(pathToFileURL(bundle).href)) as { run: () => string };
      const stack = run().split('\n');
      expect(stack[0]).to.equal('Error: burnt');
      expect(stack[1]).to.equal(`    at Oven.bake (${path.join(dir, 'src', 'oven.ts')}:3:11)`);
      expect(stack[2]).to.be.oneOf([`    at run (${path.join(dir, 'src', 'main.ts')}:3:20)`, `    at Module.run (${path.join(dir, 'src', 'main.ts')}:3:20)`]);
    } finally {
      Error.prepareStackTrace = before;
    }
  });
});

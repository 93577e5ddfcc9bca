// `npm run new-plugin <name> [--dir <folder>]`: writes a plugin an author can start from, outside the repo or
// in it: a command `!<name>`, a settings schema, a migration, a service, a test with the kit, package.json,
// tsconfig.json and a README. The plugin's own test passes as written, and the folder loads into the bot
// when it is listed in `bot.pluginPaths`.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pluginFiles } from './plugin-template.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: npm run new-plugin <name> [--dir <folder>]   (name: lower case letters, digits or _, e.g. raffle)';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(1);
}

function parse(args: readonly string[]): { name: string; dir?: string } {
  let name: string | undefined;
  let dir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--dir') {
      dir = args[++i];
      if (!dir) fail('--dir needs a folder');
    } else if (a.startsWith('--dir=')) dir = a.slice('--dir='.length);
    else if (a.startsWith('-')) fail(`unknown option ${a}`);
    else if (name) fail(`one name only (got ${name} and ${a})`);
    else name = a;
  }
  if (!name) fail('the plugin needs a name');
  if (!/^[a-z][a-z0-9_]{0,39}$/.test(name)) fail(`"${name}" cannot be a plugin name`);
  return { name, dir };
}

/** A relative path when it stays below the current folder, else the absolute one. */
function shown(relative: string, absolute: string): string {
  return relative === '' ? '.' : relative.startsWith('..') ? absolute : relative;
}

const { name, dir } = parse(process.argv.slice(2));
// npm runs scripts in the package's folder; the author meant the folder they typed the command in.
const cwd = process.env.INIT_CWD ?? process.cwd();
const target = path.resolve(cwd, dir ?? name);
if (existsSync(target) && readdirSync(target).length) fail(`${target} exists and is not empty: nothing written`);

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
const files = pluginFiles({ name, bakebot: `file:${path.relative(target, ROOT).split(path.sep).join('/') || '.'}`, versions: manifest.devDependencies });
for (const [file, text] of Object.entries(files)) {
  const f = path.join(target, file);
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, text);
}
process.stdout.write(
  `Wrote plugin "${name}" in ${target}:\n${Object.keys(files).map((f) => `  ${f}`).join('\n')}\n\n` +
    `Next:\n  cd ${shown(path.relative(cwd, target), target)} && npm install && npm test\n` +
    `  then list the folder in config/bakebot.yaml:  bot: { pluginPaths: [${target}] }  and try !${name} in npm run chat\n`,
);

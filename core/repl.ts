// `npm run chat`: chat with the bot from a terminal, as any viewer and role, without Twitch.
//   /as alice --mod     switch user (roles: --mod --sub --vip --broadcaster --founder)
//   /quit               leave
import { existsSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Bot, PROJECT_ROOT } from './bot.ts';
import { ConfigError } from './config.ts';
import type { Role } from './types.ts';

process.setSourceMapsEnabled(true);
const envFile = path.join(PROJECT_ROOT, '.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);

const flags: Record<string, Role> = { '--mod': 'moderator', '--sub': 'subscriber', '--vip': 'vip', '--broadcaster': 'broadcaster', '--founder': 'founder' };

// The REPL is its own bot process in local mode: quiet logs, and no web server that would clash with `npm start`.
const env = { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', BAKEBOT_NO_WEB: '1' };
const bot = new Bot({ env, twitch: false });
try {
  await bot.start();
} catch (err) {
  process.stderr.write(err instanceof ConfigError ? `The configuration has errors:\n${err.message}\n` : `${(err as Error).stack}\n`);
  process.exit(1);
}

let user = { login: 'viewer', roles: [] as Role[] };
const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
const prompt = () => {
  rl.setPrompt(`${user.login}${user.roles.length ? ` (${user.roles.join(', ')})` : ''}> `);
  rl.prompt();
};
bot.local.onBotMessage((out) => {
  process.stdout.write(`\r\x1b[K🤖 ${out.text}\n`);
  prompt();
});
process.stdout.write(`BakeBot local chat. Type messages as "${user.login}". /as <name> [--mod --sub --vip --broadcaster] switches user, /quit leaves.\n`);
prompt();

let pending = Promise.resolve();
rl.on('line', (line) => {
  const text = line.trim();
  if (text === '/quit' || text === '/exit') return rl.close();
  if (text.startsWith('/as ')) {
    const [name, ...rest] = text.slice(4).trim().split(/\s+/);
    const unknown = rest.filter((f) => !flags[f]);
    if (!name || unknown.length) process.stdout.write(`usage: /as <name> [--mod] [--sub] [--vip] [--broadcaster] [--founder]\n`);
    else user = { login: name.toLowerCase(), roles: rest.map((f) => flags[f] as Role) };
    return prompt();
  }
  if (text) bot.local.post({ login: user.login, text, roles: user.roles });
  // Give the bot a moment to answer before the prompt comes back.
  pending = pending.then(() => new Promise((r) => setTimeout(r, 150))).then(prompt);
});
rl.on('close', () => {
  void pending.then(() => bot.stop()).then(() => process.exit(0));
});

// `npm run chat`: chat with the bot from a terminal, as any viewer and role, without Twitch.
//   /as alice --mod     switch user (roles: --mod --sub --vip --broadcaster --founder)
//   /quit               leave
// When a bot is running (`npm start`) and its dashboard answers with BAKEBOT_API_TOKEN, this attaches to its
// test chat; otherwise it starts a bot of its own in local mode, which shares data/ with `npm start`, and
// says so. Log lines never overwrite the prompt; piped input gets plain lines, no escape codes or prompts.
import { existsSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Bot, PROJECT_ROOT } from './bot.ts';
import { attachChat } from './chat-client.ts';
import { ConfigError } from './config.ts';
import type { Role } from './types.ts';

process.setSourceMapsEnabled(true);
const envFile = path.join(PROJECT_ROOT, '.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);

const flags: Record<string, Role> = { '--mod': 'moderator', '--sub': 'subscriber', '--vip': 'vip', '--broadcaster': 'broadcaster', '--founder': 'founder' };
const tty = !!process.stdin.isTTY && !!process.stdout.isTTY;

let user = { login: 'viewer', roles: [] as Role[] };
// Created once the bot is ready: piped lines read earlier would have no listener yet.
const io: { rl?: readline.Interface } = {};
const prompt = () => {
  const rl = io.rl;
  if (!tty || !rl) return;
  rl.setPrompt(`${user.login}${user.roles.length ? ` (${user.roles.join(', ')})` : ''}> `);
  rl.prompt(true);
};
/** A line above the prompt: on a terminal the prompt (and what was typed) is drawn again below it. */
const print = (line: string, stream: NodeJS.WriteStream = process.stdout) => {
  if (tty) {
    readline.clearLine(process.stdout, 0);
    readline.cursorTo(process.stdout, 0);
  }
  stream.write(`${line}\n`);
  if (tty) prompt();
};

const url = process.env.BAKEBOT_URL ?? `http://${process.env.GUI_HOST && process.env.GUI_HOST !== '0.0.0.0' ? process.env.GUI_HOST : '127.0.0.1'}:${process.env.GUI_PORT ?? '5000'}`;
const remote = await attachChat(url, process.env.BAKEBOT_API_TOKEN);
let bot: Bot | undefined;
if (remote) {
  print(`Attached to the running bot at ${url} (its test chat). Its replies show here; its log stays in its own terminal.`);
} else {
  // Its own bot in local mode: quiet logs, and no web server that would clash with `npm start`.
  const env = { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', BAKEBOT_NO_WEB: '1' };
  bot = new Bot({ env, twitch: false, logWrite: (line) => print(line, process.stderr) });
  try {
    await bot.start();
  } catch (err) {
    process.stderr.write(err instanceof ConfigError ? `The configuration has errors:\n${err.message}\n` : `${(err as Error).stack}\n`);
    process.exit(1);
  }
  bot.local.onBotMessage((out) => print(`🤖 ${out.text}`));
  print(
    `No running bot answered at ${url}${process.env.BAKEBOT_API_TOKEN ? '' : ' (set BAKEBOT_API_TOKEN to attach to one)'}: this is a separate bot in local mode. ` +
      'It shares data/ (balances, quotes, orders) with `npm start`, but not its chat.',
  );
}
print(`Type messages as "${user.login}". /as <name> [--mod --sub --vip --broadcaster] switches user, /quit leaves.`);
const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: tty });
io.rl = rl;
prompt();

let pending = Promise.resolve();
rl.on('line', (line) => {
  const text = line.trim();
  if (text === '/quit' || text === '/exit') return rl.close();
  if (text.startsWith('/as ')) {
    const [name, ...rest] = text.slice(4).trim().split(/\s+/);
    const unknown = rest.filter((f) => !flags[f]);
    if (!name || unknown.length) print('usage: /as <name> [--mod] [--sub] [--vip] [--broadcaster] [--founder]');
    else user = { login: name.toLowerCase(), roles: rest.map((f) => flags[f] as Role) };
    return prompt();
  }
  const as = { ...user };
  pending = pending.then(async () => {
    if (!text) return prompt();
    if (remote) {
      try {
        for (const answer of await remote.say(as.login, as.roles, text)) print(`🤖 ${answer}`);
      } catch (err) {
        print(`could not send: ${(err as Error).message}`, process.stderr);
      }
      return prompt();
    }
    bot?.local.post({ login: as.login, text, roles: as.roles });
    // Give the bot a moment to answer before the next line (piped input keeps its order).
    await new Promise((r) => setTimeout(r, 150));
    prompt();
  });
});
rl.on('close', () => {
  void pending.then(() => bot?.stop()).then(() => process.exit(0));
});

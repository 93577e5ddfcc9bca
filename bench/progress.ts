// A progress reporter in its own process, so that what the benchmark measures is never delayed by the
// benchmark's own event loop (busy pushing messages). Prints `<count> <epoch ms>` lines as the count changes.
//   bare <port> <channel> <token>   a bare @twurple/chat client that only counts messages (the ingest baseline)
//   echo <port> <channel> <token>   a bare @twurple/chat client that answers every `!echo` at once, in a
//                                   thread under it (the round trips' baseline: the same trip, no bot)
//   db <file> <sql>                 polls a read-only query on the bot's database (`SELECT … AS n`)
import { performance } from 'node:perf_hooks';
import { StaticAuthProvider } from '@twurple/auth';
import { ChatClient } from '@twurple/chat';
import { open } from 'sqlite';
import sqlite3 from 'sqlite3';

const [mode, ...args] = process.argv.slice(2);
const now = () => performance.timeOrigin + performance.now();
let reported = -1;
const report = (n: number) => {
  if (n === reported) return;
  reported = n;
  process.stdout.write(`${n} ${now().toFixed(3)}\n`);
};
process.on('SIGTERM', () => process.exit(0));

const bareClient = (port = '', channel = '', token = '') =>
  new ChatClient({
    authProvider: new StaticAuthProvider('benchclient', token),
    channels: [channel],
    hostName: `127.0.0.1:${port}/`,
    ssl: false,
    webSocket: true,
    logger: { minLevel: 'critical' },
  });

if (mode === 'bare') {
  const client = bareClient(...args);
  let n = 0;
  client.onMessage(() => {
    n++;
  });
  client.onJoin(() => process.stdout.write('joined\n'));
  setInterval(() => report(n), 1);
  client.connect();
} else if (mode === 'echo') {
  const client = bareClient(...args);
  let n = 0;
  client.onMessage((channel, user, text, msg) => {
    if (!text.startsWith('!echo')) return;
    // Straight to the connection, as the bot's Twitch connection sends (twurple's own limiter would queue).
    client.irc.say(channel.startsWith('#') ? channel : `#${channel}`, `@${user}, pong`, { 'reply-parent-msg-id': msg.id });
    report(++n);
  });
  client.onJoin(() => {
    process.stdout.write('joined\n');
    report(0);
  });
  client.connect();
} else if (mode === 'db') {
  const [file, sql] = args;
  const db = await open({ filename: file ?? '', driver: sqlite3.Database, mode: sqlite3.OPEN_READONLY });
  await db.exec('PRAGMA busy_timeout=5000');
  process.stdout.write('joined\n');
  for (;;) {
    report((await db.get<{ n: number }>(sql ?? ''))?.n ?? 0);
    // Every 5 ms: polling flat out would take a core from the bot it measures (this machine has two).
    await new Promise((r) => setTimeout(r, 5));
  }
} else {
  process.stderr.write('usage: progress.ts bare|echo <port> <channel> <token> | db <file> <sql>\n');
  process.exit(2);
}

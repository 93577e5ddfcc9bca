// `npm start`: the bot with its plugins, the dashboard and, when credentials are set, Twitch chat.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Bot, PROJECT_ROOT } from './bot.ts';
import { ConfigError } from './config.ts';
import { DatabaseError } from './db-health.ts';
import { batchV8Helpers } from './helper-threads.ts';

process.setSourceMapsEnabled(true);
const envFile = path.join(PROJECT_ROOT, '.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);

const bot = new Bot({ ownProcess: true });
process.on('unhandledRejection', (err) => bot.log.error(`unhandled error (the bot keeps running): ${(err as Error)?.message ?? String(err)}`, { err: err as Error }));

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      process.stderr.write('forced exit\n');
      process.exit(1);
    }
    stopping = true;
    // A signal during start-up waits for the start to finish, then shuts down cleanly.
    starting.catch(() => undefined).then(() => bot.stop()).then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  });
}

const starting = bot.start();
try {
  await starting;
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`BakeBot cannot start: the configuration has errors.\n${err.message}\n`);
  } else if (err instanceof DatabaseError) {
    process.stderr.write(`BakeBot cannot start: ${err.message}\n`);
  } else {
    process.stderr.write(`BakeBot cannot start: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exit(1);
}
// After the start: moving the threads spawns `chrt`, which the start need not wait for.
batchV8Helpers((moved, skipped) => bot.log.debug(moved.length ? `V8's helper threads ${moved.join(', ')} run as batch threads` : `V8's helper threads keep their class: ${skipped ?? ''}`));


// `npm run dashboard:password`: sets a new dashboard password (generated and printed, or read from stdin with
// `-- --stdin`) and ends every login session. It writes the dashboard's own secrets file, which the running
// dashboard reads at every login, so it works with the bot running or stopped: no restart needed.
// Finds the data folder the way the bot does (BAKEBOT_DATA_DIR, else data/; .env is read like `npm start`).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deleteAllTokens, endAllSessions, storePassword } from './server/auth.ts';
import { SecretStore } from './server/secrets.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const envFile = path.join(root, '.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);
const dataDir = path.resolve(process.env.BAKEBOT_DATA_DIR ?? path.join(root, 'data'));

/** The same rule as the Security page. */
const MIN_LENGTH = 10;

const USAGE = `usage: npm run dashboard:password [-- --stdin] [-- --revoke-tokens]
  (no option)      generates a new password and prints it
  --stdin          reads the new password from the first line of standard input (${MIN_LENGTH} characters or more)
  --revoke-tokens  also revokes every API token made on the Security page
Every login session ends either way. The bot may be running: it accepts the new password at the next login.
`;

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return (Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '').trim();
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => !['--stdin', '--revoke-tokens'].includes(a));
  if (args.includes('--help') || args.includes('-h') || unknown.length) {
    if (unknown.length && !args.includes('--help') && !args.includes('-h')) process.stderr.write(`unknown option: ${unknown.join(' ')}\n`);
    process.stderr.write(USAGE);
    return args.includes('--help') || args.includes('-h') ? 0 : 2;
  }
  if (!existsSync(dataDir)) {
    process.stderr.write(`no data folder at ${dataDir}: set BAKEBOT_DATA_DIR to the bot's data folder (or start the bot once)\n`);
    return 2;
  }
  const fromStdin = args.includes('--stdin');
  const password = fromStdin ? await readStdinLine() : randomBytes(12).toString('base64url');
  if (password.length < MIN_LENGTH) {
    process.stderr.write(`the new password needs at least ${MIN_LENGTH} characters; nothing was changed\n`);
    return 2;
  }
  const secrets = await SecretStore.open(dataDir);
  let sessions: number;
  let tokens = 0;
  try {
    await storePassword(secrets, password);
    sessions = await endAllSessions(secrets);
    if (args.includes('--revoke-tokens')) tokens = await deleteAllTokens(secrets);
  } finally {
    await secrets.close();
  }
  const lines = [
    fromStdin ? 'The dashboard password was changed to the one read from stdin.' : `New dashboard password: ${password}`,
    `Stored as a scrypt hash in ${secrets.file}.`,
    `${sessions} login session(s) ended: everyone logs in again${args.includes('--revoke-tokens') ? `; ${tokens} API token(s) revoked` : ' (API tokens still work; add -- --revoke-tokens to revoke them)'}.`,
    'The dashboard accepts the new password at the next login, whether the bot runs or not (no restart needed).',
  ];
  if (process.env.DASHBOARD_PASSWORD) {
    lines.push('WARNING: DASHBOARD_PASSWORD is set (in the environment or .env): the dashboard logs in with that one and ignores the stored password until you remove it.');
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`dashboard:password failed: ${(err as Error).message}\n`);
    process.exit(2);
  },
);

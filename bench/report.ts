// Puts the latest figures into docs/benchmarks.md, between its markers, with the machine they came from.
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../core/bot.ts';

const BEGIN = '<!-- bench:begin -->';
const END = '<!-- bench:end -->';

export function updateBenchmarksDoc(table: string, notes: readonly string[]): void {
  const file = path.join(PROJECT_ROOT, 'docs', 'benchmarks.md');
  const doc = readFileSync(file, 'utf8');
  const cpu = os.cpus();
  const block = [
    BEGIN,
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, `
      + `${Math.round(os.totalmem() / 2 ** 30)} GiB, Node.js ${process.version}, ${os.platform()} ${os.release()}.`,
    '',
    '```',
    table,
    ...notes.map((n) => `note: ${n}`),
    '```',
    END,
  ].join('\n');
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  const next = start >= 0 && end > start ? doc.slice(0, start) + block + doc.slice(end + END.length) : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

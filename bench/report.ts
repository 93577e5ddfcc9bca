// Puts the latest figures into docs/benchmarks.md, between its markers: one table per host (CPU model in the
// heading) and mode (quiet, or contended with a CPU hog), so a run on one host keeps the others' figures.
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../core/bot.ts';

const BEGIN = '<!-- bench:begin -->';
const END = '<!-- bench:end -->';

/** The block's sections, each starting at its `### ` heading line. */
function sections(block: string): { heading: string; text: string }[] {
  const out: { heading: string; text: string }[] = [];
  for (const part of block.split(/^(?=### )/m)) {
    const text = part.trim();
    if (text) out.push({ heading: text.split('\n', 1)[0] ?? '', text });
  }
  return out;
}

export function updateBenchmarksDoc(table: string, notes: readonly string[], contended = false): void {
  const file = path.join(PROJECT_ROOT, 'docs', 'benchmarks.md');
  const doc = readFileSync(file, 'utf8');
  const cpu = os.cpus();
  const heading = `### ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${contended ? 'contended (`--contended`: one core kept busy)' : 'quiet'}`;
  const section = [
    heading,
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node.js ${process.version}, ${os.platform()} ${os.release()}.`,
    '',
    '```',
    table,
    ...notes.map((n) => `note: ${n}`),
    '```',
  ].join('\n');
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  const old = start >= 0 && end > start ? sections(doc.slice(start + BEGIN.length, end)) : [];
  const at = old.findIndex((s) => s.heading === heading);
  if (at >= 0) old[at] = { heading, text: section };
  else old.unshift({ heading, text: section });
  const block = [BEGIN, old.map((s) => s.text).join('\n\n'), END].join('\n');
  const next = start >= 0 && end > start ? doc.slice(0, start) + block + doc.slice(end + END.length) : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

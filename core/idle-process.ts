// Runs a helper process (the database's late check) on CPU that nothing else wants. Lowest nice (19) was
// not enough: the benchmark's `!balance` replies ran 5-11 ms instead of 2 for the ten seconds the late
// check read the file, because a woken bot thread still waited for the niced process to yield its core.
// Linux's SCHED_IDLE class yields at once to any other task; an unprivileged process may enter it, through
// util-linux's `chrt` (Node has no call for it). Elsewhere, or without `chrt`, the lowest priority.
import { execFile, type ChildProcess, type ExecFileOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import path from 'node:path';

type Done = (err: Error | null, stdout: string, stderr: string) => void;

export function execFileIdle(file: string, args: readonly string[], options: ExecFileOptions, done: Done): ChildProcess {
  const chrt = process.platform === 'linux' ? findOnPath('chrt', options.env?.PATH ?? process.env.PATH) : undefined;
  const child = chrt
    ? execFile(chrt, ['--idle', '0', file, ...args], { ...options, encoding: 'utf8' }, done)
    : execFile(file, [...args], { ...options, encoding: 'utf8' }, done);
  if (child.pid !== undefined) {
    try {
      setPriority(child.pid, constants.priority.PRIORITY_LOW);
    } catch {
      // Not allowed here: the class above (or the normal priority) stays.
    }
  }
  return child;
}

export function findOnPath(name: string, searchPath: string | undefined): string | undefined {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

// V8's helper threads (garbage collection, compiling) must not take the main thread's core from it. A
// scheduler trace of the benchmark's `!balance` found most of its slowest replies held up this way: the main
// thread woke a helper, Linux put the helper on the main thread's own core and let it preempt the main thread
// for 1.6-4.4 ms, while the other core sat idle. The SCHED_BATCH class keeps a thread's fair share of the
// CPU (a lower nice would starve the helpers beside OBS, and the main thread waits for them at the end of each
// scavenge), but a woken batch thread never preempts: it runs when the core is free or the scheduler's tick
// says so. An unprivileged process may move its own threads there, through util-linux's `chrt`.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { findOnPath } from './idle-process.ts';

/** Node's default `--v8-pool-size`. */
const DEFAULT_POOL = 4;

/**
 * The thread ids of V8's helper threads, on Linux; none elsewhere or when the order below does not hold. Node
 * names no thread, so they are found by the order Node 20 starts them, before any JavaScript runs: the main
 * thread, the platform's delayed-task thread (an event loop of its own, so it waits in epoll), then the
 * platform's workers. Everything else (the signal thread, libuv's pool, worker threads) starts after them.
 */
export function v8HelperThreads(execArgv: readonly string[] = [...(process.env.NODE_OPTIONS ?? '').split(/\s+/), ...process.execArgv]): number[] {
  if (process.platform !== 'linux') return [];
  const size = poolSize(execArgv);
  let tids: number[];
  try {
    tids = readdirSync('/proc/self/task').map(Number).sort((a, b) => a - b);
  } catch {
    return [];
  }
  if (size === 0 || tids[0] !== process.pid || tids.length < 2 + size) return [];
  if (!waitChannel(tids[1] ?? 0).includes('epoll')) return [];
  return tids.slice(2, 2 + size);
}

/** The last `--v8-pool-size` given; 0 (V8 sizes the pool itself, so the count is unknown) when it was 0. */
export function poolSize(execArgv: readonly string[]): number {
  let size = DEFAULT_POOL;
  for (const arg of execArgv) {
    const m = /^--v8[-_]pool[-_]size=(\d+)$/.exec(arg);
    if (m) size = Number(m[1]);
  }
  return size;
}

function waitChannel(tid: number): string {
  try {
    return readFileSync(`/proc/self/task/${tid}/wchan`, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Moves V8's helper threads to SCHED_BATCH (see the top of this file). Calls `done` with the threads moved, or
 * with why none were: this is a tuning, and the process runs the same without it.
 */
export function batchV8Helpers(done: (moved: readonly number[], skipped?: string) => void): void {
  const tids = v8HelperThreads();
  if (!tids.length) return done([], 'the helper threads were not found');
  const chrt = findOnPath('chrt', process.env.PATH);
  if (!chrt) return done([], 'util-linux `chrt` is not installed');
  const moved: number[] = [];
  let left = tids.length;
  for (const tid of tids) {
    execFile(chrt, ['--batch', '--pid', '0', String(tid)], { windowsHide: true }, (err) => {
      if (!err) moved.push(tid);
      if (--left === 0) done(moved.sort((a, b) => a - b), moved.length ? undefined : `chrt failed: ${err?.message ?? ''}`);
    });
  }
}

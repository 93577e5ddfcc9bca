import { readFileSync } from 'node:fs';

/** A thread's scheduling class as the kernel reports it (0 normal, 3 batch, 5 idle): /proc's stat, field 41. */
export function schedulingPolicy(pid: number | 'self', tid: number): number {
  // The command name (field 2) may hold spaces: count from the ") " that ends it.
  return Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[38]);
}

import { readFileSync } from 'node:fs';

/**
 * CPU a process has used so far (user + system), in ms, from /proc/<pid>/stat (Linux; 10 ms
 * ticks). CPU time rather than wall clock: on a machine shared with others it moves far less.
 */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

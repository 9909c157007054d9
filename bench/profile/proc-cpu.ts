import { readFileSync } from 'node:fs';

/**
 * CPU a process has used so far (user + system), in ms, from /proc/<pid>/stat (Linux; 10 ms
 * ticks). CPU time rather than wall clock: on a machine shared with others it moves far less.
 */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** `--name=value` from the command line, or the fallback. */
export function option(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}

/** The middle value; of an even count, the lower of the two middle ones. */
export const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

/** A bad command-line option of a profile tool: reported by its message alone. */
export class UsageError extends Error {}

/**
 * Runs a profile tool's main: a usage error prints its message and exits 2, any other failure
 * its stack (a tool's own bug or a process that did not start) and exits 1.
 */
export function runTool(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}

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

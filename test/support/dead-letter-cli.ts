import { runDeadLetterCommand } from '../../shared/events/redrive-cli';

/** Runs `npm run dead-letter -- <args>` in this process: its exit code and what it printed. */
export async function deadLetter(
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDeadLetterCommand(args, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

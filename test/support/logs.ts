/** Every log line written during the current test file, parsed. `TEST_LOGS=1` also prints them. */
const lines: string[] = [];

export const logBuffer = {
  write(line: string): void {
    lines.push(line);
    if (process.env.TEST_LOGS === '1') process.stderr.write(line);
  },
};

/** The log lines written so far, parsed from JSON. */
export function capturedLogs(): Record<string, unknown>[] {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The raw text of every log line written so far. */
export function capturedLogText(): string {
  return lines.join('');
}

/** Forgets the captured lines. */
export function clearCapturedLogs(): void {
  lines.length = 0;
}

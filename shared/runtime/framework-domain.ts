/**
 * functions-framework runs each request inside a `domain` (the deprecated node:domain module),
 * to catch errors thrown asynchronously by user code. Every asynchronous resource created
 * inside it is bound to it, and each of their callbacks enters and leaves it: with pg's many
 * small socket callbacks that halves a function's throughput (measured: a knex lookup served
 * 2,595 req/s plain, 1,078 inside a domain per request, 3,036 after leaving it).
 *
 * Our handlers catch their own errors (Express's error path, the consumer's try/catch), so
 * they leave the domain before doing any I/O: exit it, then continue from a callback scheduled
 * outside it. Errors that still escape reach the process-level handlers the framework installs.
 */
type DomainLike = { exit(): void };

function currentDomain(): DomainLike | undefined {
  return (process as unknown as { domain?: DomainLike | null }).domain ?? undefined;
}

/** Resolves outside the framework's per-request domain (at once when there is none). */
export function leaveFrameworkDomain(): Promise<void> | undefined {
  const domain = currentDomain();
  if (!domain) return undefined;
  domain.exit();
  return new Promise((done) => setImmediate(done));
}

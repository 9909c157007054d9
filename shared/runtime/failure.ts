/**
 * What an event function throws to have functions-framework answer 500, so Pub/Sub (or the
 * scheduler) tries again. The framework prints the error's stack to stderr; the caller has
 * logged the details as one structured line already, so the "stack" is this one line.
 */
export function failedDelivery(message: string): Error {
  const error = new Error(message);
  error.stack = message;
  return error;
}

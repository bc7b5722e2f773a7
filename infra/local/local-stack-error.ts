// An expected failure of the local stack (missing Java, busy port) that is shown as one line, not a stack trace.
export class LocalStackError extends Error {
  override name = 'LocalStackError';
}

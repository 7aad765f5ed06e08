/**
 * Error reports (the JSON log line and Sentry) must carry no personal data. The one known carrier
 * is a failed query: drizzle's `DrizzleQueryError` message is "Failed query: <sql>\nparams: <the
 * bound values>", and those values are names, phones, emails and hashes. The SQL itself has only
 * placeholders, so it stays: it is what makes the report useful.
 */
const REDACTED = "[redacted]";

// Text patterns for anything that reaches a report as plain text (Sentry event values,
// breadcrumbs): drizzle's params line, and D1's type errors, which quote the offending value.
const SENSITIVE_TEXT: [RegExp, string][] = [
  [/\bparams: [\s\S]*/, `params: ${REDACTED}`],
  [/(not supported for value )'[^']*'/g, `$1'${REDACTED}'`],
];

export function redactText(text: string): string {
  return SENSITIVE_TEXT.reduce(
    (result, [pattern, replacement]) => result.replace(pattern, replacement),
    text,
  );
}

/**
 * A copy of the error that is safe to report: same name, stack frames and cause chain, with query
 * parameters (and anything `redactText` knows) removed from every message. The original error is
 * left as it was, since code up the stack may still inspect it.
 */
export function redactError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return typeof error === "string" ? redactText(error) : error;
  const message = isFailedQuery(error)
    ? `Failed query: ${error.query}\nparams: ${REDACTED}`
    : redactText(error.message);
  // Bounded: a cause chain is short, but a cyclic one must not recurse forever.
  const cause = error.cause === undefined || depth >= 5 ? undefined : redactError(error.cause, depth + 1);
  const copy = new Error(message, cause === undefined ? undefined : { cause });
  copy.name = error.name;
  copy.stack = error.stack === undefined ? undefined : redactStack(error.stack, error.message, copy);
  return copy;
}

// The stack's first line repeats the message; the frames below it are kept for Sentry.
function redactStack(stack: string, originalMessage: string, copy: Error): string {
  // A function, not a string: `$&` or `$'` in a message must not be read as replacement patterns.
  if (originalMessage && stack.includes(originalMessage))
    return stack.replace(originalMessage, () => copy.message);
  // Captured under another message (changed after the throw): keep the frames only.
  const frames = stack.split("\n").filter((line) => /^\s+at /.test(line));
  return [`${copy.name}: ${copy.message}`, ...frames].join("\n");
}

// drizzle's DrizzleQueryError, recognised by shape: bundlers may load drizzle more than once, so
// `instanceof` is not reliable.
const isFailedQuery = (error: Error): error is Error & { query: string; params: unknown[] } =>
  "query" in error && typeof error.query === "string" && "params" in error && Array.isArray(error.params);

/** `Name: message` of an error, redacted, for the log line. */
export function describeError(error: unknown): string {
  const safe = redactError(error);
  return safe instanceof Error ? `${safe.name}: ${safe.message}` : redactText(String(safe));
}

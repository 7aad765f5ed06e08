/**
 * Resend's e-mail API (https://resend.com/docs/api-reference/emails/send-email): one JSON
 * `POST /emails` per message with a bearer key. Chosen for the plain JSON request, an `id` for
 * every accepted message, and the `Idempotency-Key` header (kept 24 hours), so a retry after a
 * timeout cannot send the same message twice. Callers go through the `email` circuit breaker.
 */

export const RESEND_ORIGIN = "https://api.resend.com";

export interface Email {
  /** `EMAIL_FROM`, e.g. `Dealix <no-reply@mail.dealix.sa>`. */
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Resend took the message. */
export interface EmailAccepted {
  ok: true;
  providerMessageId: string;
}

/** Resend refused the message for a reason a retry cannot fix (a bad key, address or sender). */
export interface EmailRefused {
  ok: false;
  status: number;
  /** Resend's error name, e.g. `validation_error`; never the message, which may quote the address. */
  reason: string;
}

/** Resend could not take the message now (5xx, 429, a concurrent request with the same key). */
export class EmailUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmailUnavailableError";
  }
}

// Resend answers 409 `concurrent_idempotent_requests` while the first request with the same key is
// still in flight: the message may yet go out, so it is "try later", not a refusal.
const RETRYABLE_NAMES = new Set(["concurrent_idempotent_requests"]);

/**
 * Sends one e-mail. Resolves with EmailAccepted (2xx) or EmailRefused (4xx other than 429);
 * throws EmailUnavailableError (or the fetch's own error, e.g. an abort on timeout) when trying
 * again later may work, which the circuit breaker counts as a failure.
 */
export async function sendEmail(
  apiKey: string,
  email: Email,
  options: { idempotencyKey: string; signal: AbortSignal },
): Promise<EmailAccepted | EmailRefused> {
  const response = await fetch(`${RESEND_ORIGIN}/emails`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${apiKey}`,
      "Content-Type": "application/json",
      "Idempotency-Key": options.idempotencyKey,
    },
    body: JSON.stringify({
      from: email.from,
      to: [email.to],
      subject: email.subject,
      text: email.text,
      html: email.html,
    }),
    signal: options.signal,
  });
  let parsed: { id?: unknown; name?: unknown } | null = null;
  try {
    parsed = (await response.json()) as { id?: unknown; name?: unknown } | null;
  } catch {
    // A proxy's HTML error page: judged by the status alone below.
  }
  if (response.ok) {
    if (typeof parsed?.id !== "string") {
      throw new EmailUnavailableError(`Resend answered ${response.status} without an id`);
    }
    return { ok: true, providerMessageId: parsed.id };
  }
  const name = typeof parsed?.name === "string" ? parsed.name : null;
  if (response.status === 429 || response.status >= 500 || (name !== null && RETRYABLE_NAMES.has(name))) {
    throw new EmailUnavailableError(`Resend answered ${response.status}${name ? ` (${name})` : ""}`);
  }
  return { ok: false, status: response.status, reason: name ?? `http_${response.status}` };
}

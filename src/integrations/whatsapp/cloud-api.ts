/**
 * The WhatsApp Business Cloud API (Meta Graph API) for sending: one `POST /{phone-number-id}/messages`
 * per message. Sending is the outbound consumer's job (workers/queues/outbound.ts); it calls
 * `sendWhatsApp` through the `whatsapp` circuit breaker.
 */

export const GRAPH_ORIGIN = "https://graph.facebook.com";

export interface CloudApiCredentials {
  phoneNumberId: string;
  accessToken: string;
}

export type OutgoingContent =
  | { kind: "text"; body: string }
  | {
      kind: "template";
      name: string;
      language: string;
      variables: string[];
      /**
       * Parameters of the template's URL buttons, by button index. An authentication template's
       * copy-code button is a URL button to Meta and takes the code again here.
       */
      urlButtons?: { index: number; text: string }[] | undefined;
    }
  | {
      kind: "media";
      type: "image" | "document" | "video" | "audio";
      url: string;
      caption?: string | undefined;
    };

export interface OutgoingMessage {
  /** E.164, e.g. +966501234567. */
  to: string;
  content: OutgoingContent;
  /** Dealix's message id: Meta echoes it on every status webhook (biz_opaque_callback_data). */
  callbackData: string;
}

/** The provider took the message. */
export interface Accepted {
  ok: true;
  providerMessageId: string;
}

/** The provider refused the message for a reason a retry cannot fix (until something changes). */
export interface Refused {
  ok: false;
  reason: string;
  code: number | null;
  title: string;
}

/** The provider could not take it now (down, overloaded, throttling): retry later. */
export class ProviderUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number | null = null,
    /** Meta's error code, when it answered with one (131056: too fast to this person). */
    readonly code: number | null = null,
  ) {
    super(message);
    this.name = "ProviderUnavailableError";
  }
}

/**
 * Meta error codes with a meaning of their own. Codes not listed are permanent refusals named by
 * their number (`provider_<code>`), except those in RETRYABLE.
 * Sources: Meta's Cloud API error-code reference (131047, 131026, 131049, 132000/132001, 190, 130429, 131056).
 */
const REASONS: Record<number, string> = {
  131047: "window_closed",
  131026: "undeliverable",
  131049: "marketing_limit",
  131050: "recipient_opted_out",
  131051: "unsupported_message_type",
  132000: "template_params_mismatch",
  132001: "template_not_found",
  132015: "template_paused",
  132016: "template_disabled",
  190: "credentials_invalid",
  10: "permission_denied",
  100: "invalid_parameter",
};
/** Throughput (130429), per-recipient pacing (131056) and Meta's own temporary failures. */
const RETRYABLE = new Set([1, 2, 4, 80007, 130429, 131000, 131016, 131056, 133004]);

export const reasonForCode = (code: number) => REASONS[code] ?? `provider_${code}`;

function requestBody(message: OutgoingMessage) {
  const base = {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: message.to.replace(/^\+/, ""),
    biz_opaque_callback_data: message.callbackData,
  };
  const { content } = message;
  switch (content.kind) {
    case "text":
      return { ...base, type: "text", text: { body: content.body, preview_url: false } };
    case "template":
      return {
        ...base,
        type: "template",
        template: {
          name: content.name,
          language: { code: content.language },
          components: [
            ...(content.variables.length > 0
              ? [{ type: "body", parameters: content.variables.map((text) => ({ type: "text", text })) }]
              : []),
            ...(content.urlButtons ?? []).map((button) => ({
              type: "button",
              sub_type: "url",
              index: String(button.index),
              parameters: [{ type: "text", text: button.text }],
            })),
          ],
        },
      };
    case "media":
      return {
        ...base,
        type: content.type,
        [content.type]: { link: content.url, ...(content.caption ? { caption: content.caption } : {}) },
      };
  }
}

interface GraphError {
  error?: { code?: number; message?: string; error_user_title?: string; error_data?: { details?: string } };
}

/**
 * Sends one message. Resolves with Accepted or Refused; throws ProviderUnavailableError (or the
 * fetch's own error, e.g. an abort on timeout) when trying again later may work, which the circuit
 * breaker counts as a failure.
 */
export async function sendWhatsApp(
  credentials: CloudApiCredentials,
  message: OutgoingMessage,
  options: { graphVersion: string; signal: AbortSignal; origin?: string },
): Promise<Accepted | Refused> {
  const url = `${options.origin ?? GRAPH_ORIGIN}/${options.graphVersion}/${encodeURIComponent(credentials.phoneNumberId)}/messages`;
  const response = await fetch(url, {
    method: "POST",
    headers: { Authorization: `Bearer ${credentials.accessToken}`, "Content-Type": "application/json" },
    body: JSON.stringify(requestBody(message)),
    signal: options.signal,
  });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // A proxy's HTML error page: judged by the status alone below.
  }
  if (response.ok) {
    const id = (parsed as { messages?: { id?: string }[] } | null)?.messages?.[0]?.id;
    if (!id) throw new ProviderUnavailableError(`Graph API answered ${response.status} without a message id`);
    return { ok: true, providerMessageId: id };
  }
  const error = (parsed as GraphError | null)?.error;
  const code = typeof error?.code === "number" ? error.code : null;
  if (response.status === 429 || response.status >= 500 || (code !== null && RETRYABLE.has(code))) {
    const retryAfter = Number(response.headers.get("Retry-After"));
    throw new ProviderUnavailableError(
      `Graph API answered ${response.status}${code !== null ? ` (code ${code})` : ""}`,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
      code,
    );
  }
  return {
    ok: false,
    reason: code !== null ? reasonForCode(code) : `http_${response.status}`,
    code,
    // Meta's text describes the request, not the person; kept short for the inbox.
    title: (error?.error_user_title ?? error?.message ?? `HTTP ${response.status}`).slice(0, 300),
  };
}

import type { Db } from "../db/client";
import { type Bindings, type Config, devToolsEnabled } from "../env";
import { sendEmail } from "../integrations/email/resend";
import { sendWhatsApp } from "../integrations/whatsapp/cloud-api";
import { BREAKER_POLICIES, CircuitOpenError, throughBreaker } from "../platform/circuit-breaker";
import { idPrefixes, newId } from "../platform/ids";
import { log } from "../platform/logger";
import { insertOutboxMessage } from "./outbox.repo";

/**
 * What WhatsApp carries. Identity messages reach people who have not written to Dealix's number in
 * the last 24 hours, so only approved templates go out: the authentication template takes the
 * code alone (Meta writes the text around it), the invitation template the workspace, role and link.
 */
export type WhatsAppTemplate =
  | { kind: "code"; code: string }
  | { kind: "invitation"; workspace: Bilingual; role: Bilingual; link: string }
  | { kind: "billing_notice"; workspace: Bilingual; notice: Bilingual; link: string }
  | { kind: "privacy_notice"; workspace: Bilingual; notice: Bilingual; link: string };

/** Text in both languages: the template's language picks one. */
export interface Bilingual {
  ar: string;
  en: string;
}

interface Common {
  recipient: string;
  /** The person's language; null when unknown (an invitee), and the text then carries both. */
  locale: "ar" | "en" | null;
  /** The full text: the e-mail's body, and what the dev outbox shows. */
  body: string;
}

export type OutboundMessage =
  | (Common & { channel: "email"; subject: string })
  | (Common & { channel: "whatsapp"; template: WhatsAppTemplate });

export type Channel = OutboundMessage["channel"];

/** What happened to a message; only `sent` and `dev_outbox` mean someone can read it. */
export type Delivery =
  | { status: "sent"; providerMessageId: string }
  | { status: "dev_outbox" }
  | { status: "failed"; reason: string }
  | { status: "not_configured" };

export const wasDelivered = (delivery: Delivery) =>
  delivery.status === "sent" || delivery.status === "dev_outbox";

export interface DeliveryContext {
  db: Db;
  config: Config;
  env: Pick<Bindings, "CIRCUIT_BREAKER">;
}

/**
 * Thrown by work that runs after the response (waitUntil) when its message did not go out: the
 * request reporter sends it to Sentry. It names the channel and reason, never the recipient.
 */
export class DeliveryFailedError extends Error {
  constructor(channel: Channel, delivery: Delivery) {
    super(`${channel} delivery ${delivery.status}${"reason" in delivery ? `: ${delivery.reason}` : ""}`);
    this.name = "DeliveryFailedError";
  }
}

// Identity messages are sent while someone waits for the answer: a slow provider must fail the
// request in seconds, and count as a failure for the breaker.
const PROVIDER_TIMEOUT_MS = 5_000;

const configured = (config: Config, channel: Channel) =>
  channel === "whatsapp"
    ? Boolean(config.PLATFORM_WHATSAPP_PHONE_NUMBER_ID && config.PLATFORM_WHATSAPP_ACCESS_TOKEN)
    : Boolean(config.RESEND_API_KEY && config.EMAIL_FROM);

/**
 * Sends a sign-in code, verification, invitation or reset over Dealix's own WhatsApp number or by
 * e-mail, through the channel's circuit breaker, and says what happened. A channel without its
 * secrets writes to the dev outbox (shown at /dev/outbox) in development and test; anywhere else
 * (configuration refuses to start without them, so only by mistake) it is `not_configured`.
 * Failures are logged with the channel and reason, never the address or number.
 */
export async function deliver(ctx: DeliveryContext, message: OutboundMessage): Promise<Delivery> {
  const id = newId(idPrefixes.outboxMessage);
  let delivery: Delivery;
  if (configured(ctx.config, message.channel)) {
    delivery = await sendThroughProvider(ctx, id, message);
  } else if (devToolsEnabled(ctx.config)) {
    await insertOutboxMessage(ctx.db, {
      id,
      channel: message.channel,
      recipient: message.recipient,
      subject: message.channel === "email" ? message.subject : null,
      body: message.body,
      createdAt: Date.now(),
    });
    delivery = { status: "dev_outbox" };
  } else {
    delivery = { status: "not_configured" };
  }
  if (!wasDelivered(delivery)) {
    log("error", "delivery_failed", {
      channel: message.channel,
      status: delivery.status,
      ...("reason" in delivery ? { reason: delivery.reason } : {}),
    });
  }
  return delivery;
}

/**
 * Whether `channel` can take a message now: configured (or the dev outbox) and its breaker not
 * open. Flows that must answer alike for known and unknown people (a WhatsApp sign-in code) ask
 * this before answering, so they can refuse everyone when nobody would get a code. It reads the
 * breaker without taking a trial slot, and a breaker that cannot be read does not refuse.
 */
export async function channelAvailable(
  ctx: DeliveryContext,
  channel: Channel,
  now: number,
): Promise<boolean> {
  if (!configured(ctx.config, channel)) return devToolsEnabled(ctx.config);
  try {
    const status = await ctx.env.CIRCUIT_BREAKER.getByName(channel).status(BREAKER_POLICIES[channel]);
    return !(status.state === "open" && (status.nextTrialAt ?? 0) > now);
  } catch (error) {
    log("warn", "circuit breaker status unavailable", {
      breaker: channel,
      error: error instanceof Error ? error.message : String(error),
    });
    return true;
  }
}

async function sendThroughProvider(ctx: DeliveryContext, id: string, message: OutboundMessage) {
  try {
    const result =
      message.channel === "whatsapp"
        ? await sendByWhatsApp(ctx, id, message)
        : await sendByEmail(ctx, id, message);
    return result.ok
      ? ({ status: "sent", providerMessageId: result.providerMessageId } as const)
      : ({ status: "failed", reason: `refused_${result.reason}` } as const);
  } catch (error) {
    if (error instanceof CircuitOpenError) return { status: "failed", reason: "breaker_open" } as const;
    if (error instanceof DOMException && error.name === "TimeoutError") {
      return { status: "failed", reason: "timeout" } as const;
    }
    return { status: "failed", reason: "provider_unavailable" } as const;
  }
}

/** The first configured template language that is the person's, else the first one. */
function templateLanguage(config: Config, locale: "ar" | "en" | null): string {
  const languages = config.PLATFORM_WHATSAPP_TEMPLATE_LANGUAGES;
  const own = locale ? languages.find((code) => code === locale || code.startsWith(`${locale}_`)) : undefined;
  return own ?? (languages[0] as string);
}

function sendByWhatsApp(
  ctx: DeliveryContext,
  id: string,
  message: Extract<OutboundMessage, { channel: "whatsapp" }>,
) {
  const { config } = ctx;
  const language = templateLanguage(config, message.locale);
  const { template } = message;
  const side = language.startsWith("ar") ? "ar" : "en";
  const content =
    template.kind === "code"
      ? {
          kind: "template" as const,
          name: config.PLATFORM_WHATSAPP_AUTH_TEMPLATE,
          language,
          variables: [template.code],
          // The copy-code button is a URL button to Meta, and takes the code once more.
          urlButtons: [{ index: 0, text: template.code }],
        }
      : template.kind === "invitation"
        ? {
            kind: "template" as const,
            name: config.PLATFORM_WHATSAPP_INVITE_TEMPLATE,
            language,
            variables: [template.workspace[side], template.role[side], template.link],
          }
        : {
            kind: "template" as const,
            name:
              template.kind === "billing_notice"
                ? config.PLATFORM_WHATSAPP_BILLING_TEMPLATE
                : config.PLATFORM_WHATSAPP_PRIVACY_TEMPLATE,
            language,
            variables: [template.workspace[side], template.notice[side], template.link],
          };
  return throughBreaker(
    ctx.env.CIRCUIT_BREAKER,
    "whatsapp",
    (signal) =>
      sendWhatsApp(
        {
          phoneNumberId: config.PLATFORM_WHATSAPP_PHONE_NUMBER_ID as string,
          accessToken: config.PLATFORM_WHATSAPP_ACCESS_TOKEN as string,
        },
        { to: message.recipient, content, callbackData: id },
        { graphVersion: config.WHATSAPP_GRAPH_VERSION, signal, origin: config.WHATSAPP_API_ORIGIN },
      ),
    { timeoutMs: PROVIDER_TIMEOUT_MS },
  );
}

async function sendByEmail(
  ctx: DeliveryContext,
  id: string,
  message: Extract<OutboundMessage, { channel: "email" }>,
) {
  const result = await throughBreaker(
    ctx.env.CIRCUIT_BREAKER,
    "email",
    (signal) =>
      sendEmail(
        ctx.config.RESEND_API_KEY as string,
        {
          from: ctx.config.EMAIL_FROM as string,
          to: message.recipient,
          subject: message.subject,
          text: message.body,
          html: emailHtml(message.body, message.locale),
        },
        { idempotencyKey: id, signal },
      ),
    { timeoutMs: PROVIDER_TIMEOUT_MS },
  );
  // The status tells a refusal's kind apart (403 unverified sender domain, 422 a bad field).
  return result.ok ? result : { ok: false as const, reason: `${result.status}_${result.reason}` };
}

const escapeHtml = (text: string) =>
  text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");

/**
 * The e-mail's HTML part: the same text, one paragraph per blank-line block, links clickable, in
 * the reader's direction (each paragraph finds its own when the text carries both languages).
 */
export function emailHtml(text: string, locale: "ar" | "en" | null): string {
  const paragraphs = text
    .split(/\n{2,}/)
    .map((block) =>
      escapeHtml(block)
        .replace(/https?:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`)
        .replace(/\n/g, "<br>"),
    )
    .map((block) => `<p dir="auto">${block}</p>`)
    .join("\n");
  const lang = locale ?? "ar";
  const dir = locale === "en" ? "ltr" : "rtl";
  return `<!doctype html>\n<html lang="${lang}" dir="${dir}"><body style="font-family:system-ui,sans-serif;line-height:1.6">\n${paragraphs}\n</body></html>`;
}

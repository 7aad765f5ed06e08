import { dbFor } from "../db/client";
import { type Bindings, type Config, devToolsEnabled } from "../env";
import {
  type OutgoingContent,
  ProviderUnavailableError,
  sendWhatsApp,
} from "../integrations/whatsapp/cloud-api";
import { insertOutboxMessage } from "../outbox/outbox.repo";
import { CircuitOpenError, throughBreaker } from "../platform/circuit-breaker";
import { idPrefixes, newId } from "../platform/ids";
import { tenantScope } from "../platform/tenant-scope";
import {
  claimSend,
  type MessageRow,
  markSendFailed,
  markSent,
  messageToSend,
  releaseSend,
  strandedMessages,
} from "./messaging.repo";
import { type OutboundJob, windowOpen } from "./messaging.service";
import {
  giveBackPacing,
  pacingBuckets,
  pairIntervalSeconds,
  takePacing,
  WHATSAPP_PACING,
  type WhatsAppPacing,
} from "./pacing";
import { accountOfTenant } from "./whatsapp-accounts.repo";
import { openCredential } from "./whatsapp-credentials";

/** How long one consumer holds a message while it sends: longer than the provider call's timeout. */
export const SEND_LEASE_MS = 30_000;
const PROVIDER_TIMEOUT_MS = 10_000;

/** The send could not happen now; the queue delivers the job again after `delaySeconds`. */
export class RetryLaterError extends Error {
  constructor(
    readonly reason: string,
    readonly delaySeconds: number | null,
  ) {
    super(`send deferred: ${reason}`);
    this.name = "RetryLaterError";
  }
}

/**
 * Meta's pacing (src/messaging/pacing.ts) has no room for the send now: it was not tried, so it is
 * no failure, and the consumer delivers it again after `delaySeconds` without reporting an error
 * (workers/queues/outbound.ts decides whether that spends an attempt).
 */
export class PacedError extends RetryLaterError {
  constructor(delaySeconds: number) {
    super("paced", delaySeconds);
    this.name = "PacedError";
  }
}

/** Meta's answer when a number sends to one person faster than its pair rate limit. */
const PAIR_RATE_LIMITED = 131056;

export type SendOutcome =
  | "sent"
  | "failed"
  | "blocked"
  /** Already sent, failed or taken by another delivery that is still within its lease: nothing to do. */
  | "skipped"
  | "missing";

function contentOf(message: MessageRow): OutgoingContent {
  if (message.kind === "template" && message.template) return { kind: "template", ...message.template };
  if (message.kind === "media" && message.media) return { kind: "media", ...message.media };
  return { kind: "text", body: message.body ?? "" };
}

const devOutboxBody = (content: OutgoingContent) =>
  content.kind === "text"
    ? content.body
    : content.kind === "template"
      ? `[template ${content.name} (${content.language})] ${content.variables.join(" | ")}`
      : `[${content.type}] ${content.url}${content.caption ? ` ${content.caption}` : ""}`;

/**
 * Sends one stored outbound message, exactly once as far as Dealix can tell: the message is
 * claimed (queued → sending) before the provider is called, so a second delivery of the queue
 * message finds it taken or sent and does nothing. The provider call goes through the `whatsapp`
 * circuit breaker; when the provider is down, throttling or the breaker is open, the claim is
 * released and RetryLaterError asks the queue to deliver the job again later.
 *
 * The window is checked again here: a message queued inside the 24-hour window may reach the
 * consumer after it closed, and Meta would refuse it (131047).
 *
 * Before the provider is called, the send takes its place in Meta's pacing: the number's throughput
 * and the pair limit to this contact. Without room, the claim is released and PacedError asks for
 * the send again once there is; the dev outbox is not paced, since Meta is not involved.
 */
export async function sendQueuedMessage(
  env: Pick<Bindings, "DB" | "CIRCUIT_BREAKER" | "RATE_LIMITER">,
  config: Config,
  job: OutboundJob,
  now = Date.now(),
  pacing: WhatsAppPacing = WHATSAPP_PACING,
): Promise<SendOutcome> {
  const scope = tenantScope(dbFor(env.DB), job.tenantId);
  const [claimed] = await scope.db.batch([claimSend(scope, job.messageId, now, SEND_LEASE_MS)]);
  if (claimed.length === 0) {
    const [[current]] = await scope.db.batch([messageToSend(scope, job.messageId, now)]);
    return current ? "skipped" : "missing";
  }
  const [[target], [account]] = await scope.db.batch([
    messageToSend(scope, job.messageId, now),
    accountOfTenant(scope),
  ]);
  if (!target) return "missing";
  const { message, phone, lastInboundAt, marketingConsent } = target;
  const fail = async (state: "failed" | "blocked", reason: string, title: string | null) => {
    await scope.db.batch([markSendFailed(scope, message.id, { state, reason, title, at: Date.now() })]);
    return state;
  };

  if (!phone) return fail("failed", "no_phone", null);
  // Consent may have been withdrawn (an opt-out word) or lapsed while the message waited in the queue.
  if (message.purpose === "marketing" && marketingConsent !== "granted") {
    return fail("blocked", "no_marketing_consent", null);
  }
  const content = contentOf(message);
  if (content.kind !== "template" && !windowOpen(lastInboundAt, now))
    return fail("failed", "window_closed", null);

  if (!account) {
    // No number connected: in development the dev outbox is the transport (shown at /dev/outbox);
    // anywhere else nothing can carry the message, and it says so.
    if (!devToolsEnabled(config)) return fail("blocked", "whatsapp_not_connected", null);
    const at = Date.now();
    await scope.db.batch([
      insertOutboxMessage(scope.db, {
        id: newId(idPrefixes.outboxMessage),
        channel: "whatsapp",
        recipient: phone,
        subject: null,
        body: devOutboxBody(content),
        createdAt: at,
      }),
      markSent(scope, message.id, { providerMessageId: `dev-${message.id}`, transport: "dev_outbox", at }),
    ]);
    return "sent";
  }

  const buckets = pacingBuckets(pacing, account.phoneNumberId, message.contactId);
  const wait = await takePacing(env.RATE_LIMITER, buckets, job.tenantId);
  if (wait > 0) {
    await scope.db.batch([releaseSend(scope, message.id, "paced", Date.now())]);
    throw new PacedError(wait);
  }

  let result: Awaited<ReturnType<typeof sendWhatsApp>>;
  try {
    const accessToken = await openCredential(config, account, "access_token");
    result = await throughBreaker(
      env.CIRCUIT_BREAKER,
      "whatsapp",
      (signal) =>
        sendWhatsApp(
          { phoneNumberId: account.phoneNumberId, accessToken },
          { to: phone, content, callbackData: message.id },
          { graphVersion: config.WHATSAPP_GRAPH_VERSION, signal, origin: config.WHATSAPP_API_ORIGIN },
        ),
      { timeoutMs: PROVIDER_TIMEOUT_MS },
    );
  } catch (error) {
    if (error instanceof DOMException && error.name === "TimeoutError") {
      // Meta may have taken the message before the answer was lost, and it has no idempotency
      // key: sending again now could send twice. The claim is kept until its lease ends; a `sent`
      // status (which echoes our id) settles the message meanwhile, and only without one does the
      // next delivery of the job, after the lease, send it again.
      throw new RetryLaterError("provider_timeout", Math.ceil(SEND_LEASE_MS / 1000) + 5);
    }
    const pairLimited = error instanceof ProviderUnavailableError && error.code === PAIR_RATE_LIMITED;
    const reason =
      error instanceof CircuitOpenError
        ? "breaker_open"
        : pairLimited
          ? "pair_rate_limited"
          : "provider_unavailable";
    const delay =
      error instanceof CircuitOpenError
        ? error.retryAfterSeconds
        : error instanceof ProviderUnavailableError
          ? error.retryAfterSeconds
          : null;
    // Meta counted a 131056 against the pair, so its slot stays used and the retry waits at least
    // one pair interval; any other send that did not go gives its slots to the next message.
    if (!pairLimited) await giveBackPacing(env.RATE_LIMITER, buckets);
    await scope.db.batch([releaseSend(scope, message.id, reason, Date.now())]);
    throw new RetryLaterError(
      reason,
      pairLimited ? Math.max(delay ?? 0, pairIntervalSeconds(pacing)) : delay,
    );
  }
  if (!result.ok) return fail("failed", result.reason, result.title);
  await scope.db.batch([
    markSent(scope, message.id, {
      providerMessageId: result.providerMessageId,
      transport: "cloud_api",
      at: Date.now(),
    }),
  ]);
  return "sent";
}

/** Longer than the longest retry delay (600 s), so a message waiting out its backoff is left alone. */
const STRANDED_AFTER_MS = 15 * 60 * 1000;
const SWEEP_LIMIT = 500;

/**
 * Queues again the sends nobody is working on: a message stored but never enqueued (the enqueue
 * failed after the write), or left `sending` by a consumer that died or timed out after its
 * lease. Sending twice is prevented by the claim, so a message that was in the queue after all
 * is harmless. Dead-lettered messages wait for an operator and are not picked up.
 */
export async function requeueStrandedSends(env: Pick<Bindings, "DB" | "OUTBOUND_QUEUE">, now = Date.now()) {
  const db = dbFor(env.DB);
  const [rows] = await db.batch([strandedMessages(db, now - STRANDED_AFTER_MS, now, SWEEP_LIMIT)]);
  for (let i = 0; i < rows.length; i += 100) {
    await env.OUTBOUND_QUEUE.sendBatch(
      rows
        .slice(i, i + 100)
        .map((row) => ({ body: { tenantId: row.tenantId, messageId: row.id } satisfies OutboundJob })),
    );
  }
  return { requeued: rows.length };
}

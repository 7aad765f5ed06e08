import type { Bindings } from "../env";
import type { QuotaDecision } from "../platform/api-limits";
import { log } from "../platform/logger";
import { isRetryable } from "../platform/rate-limit";

/** At most `limit` sends per `windowSeconds`, as a token bucket (RateLimiter.take, GCRA). */
export interface PacingRule {
  limit: number;
  windowSeconds: number;
}

export interface WhatsAppPacing {
  /** Every send from one business phone number. */
  perNumber: PacingRule;
  /** Sends from one business number to one contact (Meta's "pair rate limit"). */
  perRecipient: PacingRule;
}

/**
 * Meta's limits on the Cloud API, kept here rather than learnt from its errors, because every
 * refusal Meta answers is a wasted call and counts towards the `whatsapp` breaker:
 * - throughput: 80 messages a second per business phone number by default (Meta raises it to
 *   1,000 for busy numbers on request); source ../shared/reference/integrations.md §3.1. A full
 *   bucket lets a second's worth go at once, then one every 12.5 ms.
 * - pair rate limit: about one message every 6 seconds from one number to the same person; faster
 *   sends are refused with 131056. One at once, then one every 6 s: an agent's quick follow-ups to
 *   one customer go out 6 s apart instead of being refused.
 */
export const WHATSAPP_PACING: WhatsAppPacing = {
  perNumber: { limit: 80, windowSeconds: 1 },
  perRecipient: { limit: 1, windowSeconds: 6 },
};

/** Seconds between two sends to the same person: how long a 131056 refusal waits before a retry. */
export const pairIntervalSeconds = (pacing: WhatsAppPacing) =>
  Math.ceil(pacing.perRecipient.windowSeconds / pacing.perRecipient.limit);

interface PacingBucket {
  /** The RateLimiter object's name: ids only, never a phone number. */
  name: string;
  rule: PacingRule;
}

export const pacingBuckets = (
  pacing: WhatsAppPacing,
  phoneNumberId: string,
  contactId: string,
): PacingBucket[] => [
  { name: `wa-number:${phoneNumberId}`, rule: pacing.perNumber },
  { name: `wa-pair:${phoneNumberId}:${contactId}`, rule: pacing.perRecipient },
];

type Limiters = Pick<Bindings, "RATE_LIMITER">["RATE_LIMITER"];

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function take(limiters: Limiters, bucket: PacingBucket): Promise<QuotaDecision> {
  const take = () => limiters.getByName(bucket.name).take(bucket.rule.limit, bucket.rule.windowSeconds);
  try {
    return await take();
  } catch (error) {
    if (isRetryable(error)) return take();
    throw error;
  }
}

/**
 * Returns the sends these buckets allowed, for a send that did not happen (another bucket refused
 * it, the breaker was open, Meta was down): the slot goes to the next message instead of idling.
 */
export async function giveBackPacing(limiters: Limiters, buckets: readonly PacingBucket[]) {
  await Promise.all(
    buckets.map((bucket) =>
      limiters
        .getByName(bucket.name)
        .giveBack(bucket.rule.limit, bucket.rule.windowSeconds)
        .catch((error: unknown) =>
          log("warn", "whatsapp pacing give-back failed", {
            bucket: bucket.name,
            error: errorMessage(error),
          }),
        ),
    ),
  );
}

/**
 * Takes one send from every bucket, asked in parallel. Returns 0 when the send may go now, else the
 * seconds to wait (at least 1), having given back what the other buckets allowed.
 *
 * Fails open: when the limiter cannot answer, the send goes and Meta's own limits still hold (a
 * 130429 or 131056 comes back as a retryable refusal and the queue retries it), whereas failing
 * closed would stop every tenant's WhatsApp for as long as the limiter is down.
 */
export async function takePacing(
  limiters: Limiters,
  buckets: readonly PacingBucket[],
  tenantId: string,
): Promise<number> {
  let decisions: QuotaDecision[];
  try {
    decisions = await Promise.all(buckets.map((bucket) => take(limiters, bucket)));
  } catch (error) {
    log("error", "whatsapp pacing unavailable", { tenantId, error: errorMessage(error) });
    return 0;
  }
  const wait = Math.max(...decisions.map((decision) => (decision.allowed ? 0 : decision.retryAfterSeconds)));
  if (wait === 0) return 0;
  await giveBackPacing(
    limiters,
    buckets.filter((_, i) => decisions[i]?.allowed),
  );
  return Math.max(1, wait);
}

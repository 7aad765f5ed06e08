import { z } from "zod";
import { type Config, devToolsEnabled } from "../../env";

/**
 * Moyasar's webhook envelope (docs.moyasar.com webhook reference): `{id, type, created_at,
 * secret_token, account_name, data}`, `data` being the payment. There is no signature header: the
 * shared Secret Token travels in the body and is the only proof the call came from Moyasar; the
 * payment itself is re-fetched from the API before anything is acted on.
 */

/**
 * The events Dealix acts on. `payment_faild` is how Moyasar's reference table spells it, while
 * its available_events API says `payment_failed`: both are accepted.
 */
export const HANDLED_EVENTS = [
  "payment_paid",
  "payment_failed",
  "payment_faild",
  "payment_refunded",
  "payment_voided",
] as const;
export type HandledEvent = (typeof HANDLED_EVENTS)[number];

export const isHandledEvent = (type: string): type is HandledEvent =>
  (HANDLED_EVENTS as readonly string[]).includes(type);

export const webhookEnvelopeSchema = z.looseObject({
  id: z.string().min(1).max(100),
  type: z.string().min(1).max(60),
  secret_token: z.string().max(500).optional(),
  data: z.looseObject({ id: z.string().min(1).max(100) }),
});

/** The dev simulator's token: used only where dev tools run and no secret is configured. */
export const DEV_WEBHOOK_SECRET = "dev-only-moyasar-webhook-secret-0000";

/** The Secret Token events must carry, or null when none is configured (every event is refused). */
export const moyasarWebhookSecret = (config: Pick<Config, "MOYASAR_WEBHOOK_SECRET" | "ENVIRONMENT">) =>
  config.MOYASAR_WEBHOOK_SECRET ?? (devToolsEnabled(config) ? DEV_WEBHOOK_SECRET : null);

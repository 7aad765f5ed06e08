import { z } from "zod";
import type { Bindings, Config } from "../../env";
import { devToolsEnabled } from "../../env";
import { throughBreaker } from "../../platform/circuit-breaker";

/**
 * Moyasar's REST API (https://docs.moyasar.com): hosted invoices for checkout and payment look-ups
 * for the webhook consumer. HTTP Basic auth with the secret key as the user name and an empty
 * password. Every call goes through the `moyasar` circuit breaker with a timeout; a 5xx, a 429, a
 * timeout or a network error counts against the breaker, a 4xx (our request was wrong) does not.
 */

export const MOYASAR_API_BASE = "https://api.moyasar.com/v1";
/** The secret the dev transport presents to the simulator; the simulator accepts only this one. */
export const SIMULATOR_SECRET_KEY = "sk_test_dev_simulator";
/** Where the dev transport sends calls when no base is configured: the simulator in this Worker. */
export const SIMULATOR_API_PATH = "/dev/moyasar/v1";
// A checkout waits on the invoice call, and the webhook consumer retries: 8 s is long for a person
// and short enough that a hung call frees the breaker's trial slot well within its lease.
const MOYASAR_TIMEOUT_MS = 8_000;

/** Moyasar could not answer now (5xx, 429, timeout, network): try again later. */
export class MoyasarUnavailableError extends Error {
  constructor(readonly status: number | null) {
    super(`Moyasar answered ${status ?? "nothing"}`);
    this.name = "MoyasarUnavailableError";
  }
}

/** Moyasar refused the call (4xx): retrying the same call will not help. */
export class MoyasarRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
  ) {
    super(`Moyasar refused the call: ${status} ${type}`);
    this.name = "MoyasarRefusedError";
  }
}

const metadataSchema = z.record(z.string(), z.unknown()).nullish();

export const moyasarInvoiceSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  url: z.string(),
  metadata: metadataSchema,
});
export type MoyasarInvoice = z.infer<typeof moyasarInvoiceSchema>;

export const moyasarPaymentSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  invoice_id: z.string().nullish(),
  /** The amount refunded so far, in halalas (on a refunded payment). */
  refunded: z.number().int().nullish(),
  metadata: metadataSchema,
  source: z.looseObject({ message: z.string().nullish() }).nullish(),
});
export type MoyasarPayment = z.infer<typeof moyasarPaymentSchema>;

export interface MoyasarEndpoint {
  base: string;
  secretKey: string;
}

/**
 * The live API with the secret key, or, where no key is configured (development and tests only:
 * production refuses to start without it), the local simulator. Never a silent no-op.
 */
export function moyasarEndpoint(
  config: Pick<Config, "MOYASAR_SECRET_KEY" | "MOYASAR_API_BASE" | "APP_ORIGIN" | "ENVIRONMENT">,
): MoyasarEndpoint {
  if (config.MOYASAR_SECRET_KEY) {
    return { base: config.MOYASAR_API_BASE ?? MOYASAR_API_BASE, secretKey: config.MOYASAR_SECRET_KEY };
  }
  if (!devToolsEnabled(config)) throw new Error("MOYASAR_SECRET_KEY is not set");
  return {
    base: config.MOYASAR_API_BASE ?? `${config.APP_ORIGIN}${SIMULATOR_API_PATH}`,
    secretKey: SIMULATOR_SECRET_KEY,
  };
}

export interface MoyasarDeps {
  config: Config;
  breakers: Bindings["CIRCUIT_BREAKER"];
}

async function callMoyasar<T>(
  deps: MoyasarDeps,
  method: "GET" | "POST",
  path: string,
  schema: z.ZodType<T>,
  body?: unknown,
): Promise<T> {
  const endpoint = moyasarEndpoint(deps.config);
  const answer = await throughBreaker(
    deps.breakers,
    "moyasar",
    async (signal) => {
      const response = await fetch(`${endpoint.base}${path}`, {
        method,
        headers: {
          Authorization: `Basic ${btoa(`${endpoint.secretKey}:`)}`,
          Accept: "application/json",
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal,
      });
      if (response.status >= 500 || response.status === 429) {
        throw new MoyasarUnavailableError(response.status);
      }
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        // A proxy's HTML page: judged by the status alone.
      }
      return { status: response.status, parsed };
    },
    { timeoutMs: MOYASAR_TIMEOUT_MS },
  );
  if (answer.status >= 400) {
    const type = (answer.parsed as { type?: unknown } | null)?.type;
    throw new MoyasarRefusedError(answer.status, typeof type === "string" ? type.slice(0, 80) : "unknown");
  }
  const result = schema.safeParse(answer.parsed);
  // A 2xx we cannot read is Moyasar's fault, not ours: retried like an outage.
  if (!result.success) throw new MoyasarUnavailableError(answer.status);
  return result.data;
}

export interface InvoiceRequest {
  /** Halalas, VAT included. */
  amount: number;
  description: string;
  callbackUrl: string;
  successUrl: string;
  backUrl: string;
  metadata: { tenantId: string; checkoutId: string };
}

export const createInvoice = (deps: MoyasarDeps, invoice: InvoiceRequest) =>
  callMoyasar(deps, "POST", "/invoices", moyasarInvoiceSchema, {
    amount: invoice.amount,
    currency: "SAR",
    description: invoice.description,
    callback_url: invoice.callbackUrl,
    success_url: invoice.successUrl,
    back_url: invoice.backUrl,
    metadata: invoice.metadata,
  });

export const fetchInvoice = (deps: MoyasarDeps, id: string) =>
  callMoyasar(deps, "GET", `/invoices/${encodeURIComponent(id)}`, moyasarInvoiceSchema);

export const fetchPayment = (deps: MoyasarDeps, id: string) =>
  callMoyasar(deps, "GET", `/payments/${encodeURIComponent(id)}`, moyasarPaymentSchema);

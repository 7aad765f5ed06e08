import { z } from "zod";
import { version as packageVersion } from "../package.json";
import type { CircuitBreaker } from "../workers/objects/circuit-breaker";
import type { RateLimiter } from "../workers/objects/rate-limiter";
import type { MoyasarWebhookJob } from "./billing/payments.service";
import type { ImportMessage } from "./imports/import-jobs";
import type { WebhookJob } from "./messaging/inbound";
import type { OutboundJob } from "./messaging/messaging.service";

/** Bindings and vars the Worker receives from wrangler (wrangler.toml, `.dev.vars`, secrets). */
export interface Bindings {
  DB: D1Database;
  FLAGS: KVNamespace;
  ASSETS: Fetcher;
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  /** One object per external dependency (src/platform/circuit-breaker.ts BREAKER_NAMES). */
  CIRCUIT_BREAKER: DurableObjectNamespace<CircuitBreaker>;
  /** Producer of the `imports` queue (CSV import chunks; workers/queues/imports.ts consumes it). */
  IMPORTS_QUEUE: Queue<ImportMessage>;
  /** Producer of the `outbound` queue (WhatsApp sends; workers/queues/outbound.ts consumes it). */
  OUTBOUND_QUEUE: Queue<OutboundJob>;
  /** Producer of the `webhooks` queue (verified provider webhooks; workers/queues/webhooks.ts). */
  WEBHOOKS_QUEUE: Queue<WebhookJob | MoyasarWebhookJob>;
  ENVIRONMENT?: string;
  APP_VERSION?: string;
  CORS_ORIGINS?: string;
  APP_ORIGIN?: string;
  MAX_JSON_BODY_BYTES?: string;
  SENTRY_DSN?: string;
  JWT_SECRET?: string;
  PASSWORD_PEPPER?: string;
  HEALTH_TOKEN?: string;
  DATA_ENCRYPTION_KEY?: string;
  WHATSAPP_GRAPH_VERSION?: string;
  QUEUE_RETRY_BASE_SECONDS?: string;
  WHATSAPP_API_ORIGIN?: string;
  API_RATE_LIMITS?: string;
  PLATFORM_WHATSAPP_PHONE_NUMBER_ID?: string;
  PLATFORM_WHATSAPP_ACCESS_TOKEN?: string;
  PLATFORM_WHATSAPP_AUTH_TEMPLATE?: string;
  PLATFORM_WHATSAPP_INVITE_TEMPLATE?: string;
  PLATFORM_WHATSAPP_BILLING_TEMPLATE?: string;
  PLATFORM_WHATSAPP_PRIVACY_TEMPLATE?: string;
  PLATFORM_WHATSAPP_TEMPLATE_LANGUAGES?: string;
  RESEND_API_KEY?: string;
  EMAIL_FROM?: string;
  ZATCA_SELLER_NAME_AR?: string;
  ZATCA_SELLER_NAME_EN?: string;
  ZATCA_SELLER_VAT_NUMBER?: string;
  ZATCA_SELLER_ADDRESS?: string;
  MOYASAR_SECRET_KEY?: string;
  MOYASAR_WEBHOOK_SECRET?: string;
  MOYASAR_API_BASE?: string;
}

/**
 * Where the dev tools (demo seed, dev outbox) exist. An allow-list: any other environment name
 * (production, staging, a typo) is treated as deployed, so it gets no dev tools and needs every
 * production secret.
 */
const DEV_ENVIRONMENTS: readonly string[] = ["development", "test"];

/**
 * Secrets production cannot run without. Later capabilities add theirs here. Sign-in codes,
 * invitations and password resets go out over both channels (src/outbox/outbox.service.ts), so
 * production needs Dealix's own WhatsApp number and the e-mail provider.
 */
const REQUIRED_IN_PRODUCTION = [
  "SENTRY_DSN",
  "DATA_ENCRYPTION_KEY",
  "PLATFORM_WHATSAPP_PHONE_NUMBER_ID",
  "PLATFORM_WHATSAPP_ACCESS_TOKEN",
  "RESEND_API_KEY",
  "EMAIL_FROM",
  "ZATCA_SELLER_NAME_AR",
  "ZATCA_SELLER_NAME_EN",
  "ZATCA_SELLER_VAT_NUMBER",
  "ZATCA_SELLER_ADDRESS",
  "MOYASAR_SECRET_KEY",
  "MOYASAR_WEBHOOK_SECRET",
] as const;

// The seller VAT number wrangler.toml's development vars carry: a tax invoice with it is not real.
const DEV_SELLER_VAT_NUMBER = "300000000000003";

// `.dev.vars.example` ships values with this prefix so the app runs locally out of the box;
// production must never run on them.
const DEV_ONLY_PREFIX = "dev-only-";

// An empty string in `.dev.vars` means "not set", not "set to nothing".
const optionalString = z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).optional());

const originList = z
  .string()
  .default("")
  .transform((raw, ctx) => {
    const origins = raw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    for (const origin of origins) {
      if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
        ctx.addIssue({
          code: "custom",
          message: `"${origin}" is not an origin like https://app.example.com`,
        });
      }
    }
    return origins;
  });

// `tenant=<n>,key=<n>`: requests per minute per tenant and per API key.
const apiRateLimitsOverride = z.preprocess(
  (v) => (v === "" ? undefined : v),
  z
    .string()
    .regex(/^tenant=[1-9]\d{0,8},key=[1-9]\d{0,8}$/, "API_RATE_LIMITS must look like tenant=1200,key=300")
    .transform((raw) => {
      const [tenant, key] = raw.split(",").map((part) => Number(part.split("=")[1]));
      return { perTenantPerMinute: tenant ?? 0, perApiKeyPerMinute: key ?? 0 };
    })
    .optional(),
);

const templateName = z.string().regex(/^[a-z0-9_]{1,512}$/, "template names are lower case, digits and _");

export const configSchema = z
  .object({
    // No default: a deployed environment that forgets the var must not run as development.
    ENVIRONMENT: z
      .string({ message: "var ENVIRONMENT is required (development, test, production, …)" })
      .regex(/^[a-z][a-z0-9-]{0,31}$/, "ENVIRONMENT must be a lower-case name like production"),
    APP_VERSION: optionalString,
    CORS_ORIGINS: originList,
    // Where people open Dealix: links in emails and WhatsApp messages point here, never at the
    // Host header of the request that caused them (a forged Host would send links elsewhere).
    APP_ORIGIN: z
      .url()
      .refine((v) => new URL(v).origin === v, { message: "must be an origin like https://app.dealix.sa" })
      .default("http://127.0.0.1:8787"),
    MAX_JSON_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(10 * 1024 * 1024)
      .default(102_400),
    SENTRY_DSN: z.preprocess((v) => (v === "" ? undefined : v), z.url().optional()),
    // Signs access tokens (HS256): at least 32 random characters, e.g. `openssl rand -base64 48`.
    JWT_SECRET: z.string({ message: "secret JWT_SECRET is required" }).min(32),
    // Mixed into every password hash; kept out of D1 so a database leak alone cannot be cracked.
    PASSWORD_PEPPER: z.string({ message: "secret PASSWORD_PEPPER is required" }).min(32),
    // Operators send it as `Authorization: Bearer …` to see /health/deep's per-check detail.
    // Optional: without it everyone gets the summary only.
    HEALTH_TOKEN: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(32).optional()),
    // Encrypts provider credentials stored in D1 (AES-256-GCM): 32 random bytes in base64,
    // e.g. `openssl rand -base64 32`. Required in production; locally .dev.vars has a dev value.
    DATA_ENCRYPTION_KEY: z.preprocess(
      (v) => (v === "" ? undefined : v),
      z
        .string()
        .regex(/^[A-Za-z0-9+/_-]{43}=?$/, "DATA_ENCRYPTION_KEY must be 32 bytes in base64")
        .optional(),
    ),
    // The Graph API version WhatsApp calls use (Meta retires versions about two years after release).
    WHATSAPP_GRAPH_VERSION: z
      .string()
      .regex(/^v\d{2,3}\.0$/, "WHATSAPP_GRAPH_VERSION looks like v23.0")
      .default("v23.0"),
    // Development only: where WhatsApp sends go instead of Meta's Graph API (e.g. a local simulator).
    WHATSAPP_API_ORIGIN: z.preprocess((v) => (v === "" ? undefined : v), z.url().optional()),
    // Dealix's own WhatsApp number (not a tenant's), for sign-in codes and invitations by phone.
    // Both or neither: without them development and tests keep the dev outbox.
    PLATFORM_WHATSAPP_PHONE_NUMBER_ID: z.preprocess(
      (v) => (v === "" ? undefined : v),
      z
        .string()
        .regex(/^\d{5,20}$/, "PLATFORM_WHATSAPP_PHONE_NUMBER_ID is Meta's numeric id")
        .optional(),
    ),
    PLATFORM_WHATSAPP_ACCESS_TOKEN: optionalString,
    // Approved templates on that number (RUNBOOK "Identity messages"): an authentication template
    // (copy-code button) for codes, a utility template for invitation links.
    PLATFORM_WHATSAPP_AUTH_TEMPLATE: templateName.default("dealix_code"),
    PLATFORM_WHATSAPP_INVITE_TEMPLATE: templateName.default("dealix_invitation"),
    // A utility template: workspace, the notice, the billing page's link.
    PLATFORM_WHATSAPP_BILLING_TEMPLATE: templateName.default("dealix_billing_notice"),
    // A utility template: workspace, the notice about a privacy request, the request page's link.
    PLATFORM_WHATSAPP_PRIVACY_TEMPLATE: templateName.default("dealix_privacy_notice"),
    // The languages both templates are approved in; the first is used for anyone whose language
    // is unknown or not in the list.
    PLATFORM_WHATSAPP_TEMPLATE_LANGUAGES: z
      .string()
      .default("ar,en")
      .transform((raw) =>
        raw
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(
        z
          .array(z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, "template languages look like ar,en or en_US"))
          .min(1),
      ),
    // Resend (src/integrations/email/resend.ts): a sending-only API key for the verified domain.
    RESEND_API_KEY: optionalString,
    // The sender of every e-mail, on the domain verified with Resend: `Dealix <no-reply@mail.dealix.sa>`.
    EMAIL_FROM: z.preprocess(
      (v) => (v === "" ? undefined : v),
      z
        .string()
        .regex(
          /^([^<>]+ )?<?[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>?$/,
          "EMAIL_FROM looks like Dealix <no-reply@mail.dealix.sa>",
        )
        .optional(),
    ),
    // Dealix as the seller on its tax invoices (src/billing/tax-invoices.service.ts). The QR carries
    // the Arabic name (ZATCA requires Arabic), so it must fit in 255 UTF-8 bytes.
    ZATCA_SELLER_NAME_AR: z.preprocess(
      (v) => (v === "" ? undefined : v),
      z
        .string()
        .refine((v) => new TextEncoder().encode(v).length <= 255, "at most 255 UTF-8 bytes (the QR's limit)")
        .optional(),
    ),
    ZATCA_SELLER_NAME_EN: optionalString,
    ZATCA_SELLER_VAT_NUMBER: z.preprocess(
      (v) => (v === "" ? undefined : v),
      z
        .string()
        .regex(/^3\d{13}3$/, "ZATCA_SELLER_VAT_NUMBER has 15 digits and starts and ends with 3")
        .optional(),
    ),
    ZATCA_SELLER_ADDRESS: optionalString,
    // Moyasar (src/integrations/moyasar): the secret API key (Basic auth, server only). Without it,
    // development and tests pay on the local simulator (/dev/moyasar); production requires it.
    MOYASAR_SECRET_KEY: z.preprocess(
      (v) => (v === "" ? undefined : v),
      z
        .string()
        .regex(/^sk_(test|live)_[A-Za-z0-9]{8,}$/, "MOYASAR_SECRET_KEY looks like sk_live_…")
        .optional(),
    ),
    // The Secret Token set on the Moyasar webhook (Dashboard → Webhooks); Moyasar echoes it in every
    // event's body. Required in production; development falls back to the simulator's value.
    MOYASAR_WEBHOOK_SECRET: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(24).optional()),
    // Where Moyasar calls go; defaults to Moyasar's API with a key, to the simulator without one.
    MOYASAR_API_BASE: z.preprocess((v) => (v === "" ? undefined : v), z.url().optional()),
    // First retry delay of a queue consumer's exponential backoff (doubling per attempt). Tests set 0.
    QUEUE_RETRY_BASE_SECONDS: z.coerce.number().int().min(0).max(60).default(5),
    // Development and tests only: replaces every plan's API quotas (src/platform/api-limits.ts), so
    // the bench and the suite can send thousands of requests a minute and quota tests use small ones.
    API_RATE_LIMITS: apiRateLimitsOverride,
  })
  .superRefine((config, ctx) => {
    // Half a channel would look configured and fail every send.
    if (!config.PLATFORM_WHATSAPP_PHONE_NUMBER_ID !== !config.PLATFORM_WHATSAPP_ACCESS_TOKEN) {
      ctx.addIssue({
        code: "custom",
        path: ["PLATFORM_WHATSAPP_ACCESS_TOKEN"],
        message:
          "set PLATFORM_WHATSAPP_PHONE_NUMBER_ID and PLATFORM_WHATSAPP_ACCESS_TOKEN together, or neither",
      });
    }
    if (!config.RESEND_API_KEY !== !config.EMAIL_FROM) {
      ctx.addIssue({
        code: "custom",
        path: ["EMAIL_FROM"],
        message: "set RESEND_API_KEY and EMAIL_FROM together, or neither",
      });
    }
    if (DEV_ENVIRONMENTS.includes(config.ENVIRONMENT)) return;
    if (config.API_RATE_LIMITS) {
      ctx.addIssue({
        code: "custom",
        path: ["API_RATE_LIMITS"],
        message: "API_RATE_LIMITS is for development and tests; plans set the API quotas in production",
      });
    }
    for (const name of REQUIRED_IN_PRODUCTION) {
      if (!config[name]) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: `secret ${name} is required in ${config.ENVIRONMENT}`,
        });
      }
    }
    if (config.WHATSAPP_API_ORIGIN) {
      ctx.addIssue({
        code: "custom",
        path: ["WHATSAPP_API_ORIGIN"],
        message: "WHATSAPP_API_ORIGIN is for development only: production sends to Meta",
      });
    }
    if (!config.APP_ORIGIN.startsWith("https://")) {
      ctx.addIssue({
        code: "custom",
        path: ["APP_ORIGIN"],
        message: "APP_ORIGIN must be an https origin in production",
      });
    }
    if (config.ZATCA_SELLER_VAT_NUMBER === DEV_SELLER_VAT_NUMBER) {
      ctx.addIssue({
        code: "custom",
        path: ["ZATCA_SELLER_VAT_NUMBER"],
        message: "ZATCA_SELLER_VAT_NUMBER is the development value",
      });
    }
    for (const name of [
      "JWT_SECRET",
      "PASSWORD_PEPPER",
      "HEALTH_TOKEN",
      "DATA_ENCRYPTION_KEY",
      "MOYASAR_WEBHOOK_SECRET",
    ] as const) {
      if (config[name]?.startsWith(DEV_ONLY_PREFIX)) {
        ctx.addIssue({ code: "custom", path: [name], message: `${name} is the development value` });
      }
    }
  });

export type Config = z.output<typeof configSchema> & { release: string };

/** Whether the demo seed and the dev outbox may answer (see DEV_ENVIRONMENTS). */
export const devToolsEnabled = (config: Pick<Config, "ENVIRONMENT">) =>
  DEV_ENVIRONMENTS.includes(config.ENVIRONMENT);

/** Thrown when vars/secrets are missing or malformed; lists names only, never values. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid Worker configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

// Parsed once per isolate per env object: the bindings object is stable across requests.
const parsedConfigs = new WeakMap<object, Config>();

export function loadConfig(env: Bindings): Config {
  const cached = parsedConfigs.get(env);
  if (cached) return cached;
  const result = configSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`));
  }
  const config = { ...result.data, release: result.data.APP_VERSION ?? `dealix@${packageVersion}` };
  parsedConfigs.set(env, config);
  return config;
}

import type { ExecutionContext } from "hono";
import type { Db } from "../db/client";
import type { Bindings, Config } from "../env";
import { signatureHeader } from "../integrations/whatsapp/signature";
import { connectWhatsApp } from "../messaging/whatsapp-account.service";
import type { WhatsAppAccountRow } from "../messaging/whatsapp-accounts.repo";
import { openCredential } from "../messaging/whatsapp-credentials";
import type { TenantContext } from "../platform/context";
import { timingSafeEqualStrings } from "../platform/crypto";
import { randomToken } from "../platform/ids";
import {
  accountByBusinessAccountId,
  accountByPhoneNumberId,
  accountWithId,
  insertSend,
  recordStatus,
  sendByWamid,
  sendsWithoutStatus,
  setSimulatorMode,
  simulatorMode,
} from "./whatsapp-simulator.repo";
import type { SimulatorMode } from "./whatsapp-simulator.schema";

/**
 * The dev WhatsApp simulator: a fake Graph API that answers sends as Meta does (and fails on
 * demand for drills), and a fake Meta that posts inbound messages and statuses to Dealix's real
 * webhook route, signed with the number's app secret. Development and test only (pages/dev).
 */

/** The Worker's own fetch handler: webhooks go through the whole app, middleware and route included. */
export interface WorkerFetch {
  fetch(request: Request, env: Bindings, ctx: ExecutionContext): Response | Promise<Response>;
}

export interface SimulatorDeps {
  db: Db;
  config: Config;
  env: Bindings;
  executionCtx: ExecutionContext;
  app: WorkerFetch;
}

/**
 * How long `timeout` mode holds a send: past the outbound consumer's 10 s provider timeout
 * (src/messaging/outbound.ts), so the client gives up first, and bounded so nothing hangs forever.
 */
export const TIMEOUT_HOLD_MS = 15_000;
/** What `rate_429` asks the client to wait, in seconds. */
export const RATE_LIMIT_RETRY_AFTER_SECONDS = 5;

export async function currentMode(db: Db): Promise<SimulatorMode> {
  const [row] = await simulatorMode(db);
  return row?.mode ?? "ok";
}

export const switchMode = (db: Db, mode: SimulatorMode, now = Date.now()) =>
  setSimulatorMode(db, mode, now).run();

interface GraphAnswer {
  status: 200 | 400 | 401 | 429 | 500 | 504;
  body: unknown;
  headers?: Record<string, string>;
}

const graphError = (code: number, message: string, type = "OAuthException") => ({
  error: { message, type, code, fbtrace_id: `A${randomToken(22)}` },
});

const holdUntil = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** The answer of a failure mode, or null in `ok` mode. */
async function failureFor(mode: SimulatorMode, signal: AbortSignal): Promise<GraphAnswer | null> {
  if (mode === "timeout") {
    await holdUntil(TIMEOUT_HOLD_MS, signal);
    return { status: 504, body: graphError(2, "Service temporarily unavailable") };
  }
  if (mode === "error_500") return { status: 500, body: graphError(1, "An unknown error occurred") };
  if (mode === "rate_429") {
    return {
      status: 429,
      body: graphError(130429, "Rate limit hit"),
      headers: { "Retry-After": String(RATE_LIMIT_RETRY_AFTER_SECONDS) },
    };
  }
  return null;
}

interface SendBody {
  messaging_product?: unknown;
  to?: unknown;
  type?: unknown;
  text?: { body?: unknown };
  template?: { name?: unknown; language?: { code?: unknown } };
  biz_opaque_callback_data?: unknown;
  [media: string]: unknown;
}

function summaryOf(body: SendBody): string {
  if (body.type === "text") return String(body.text?.body ?? "");
  if (body.type === "template")
    return `[template ${String(body.template?.name)} (${String(body.template?.language?.code)})]`;
  const media = body[String(body.type)] as { link?: unknown } | undefined;
  return `[${String(body.type)}] ${String(media?.link ?? "")}`;
}

/**
 * `POST /{version}/{phone-number-id}/messages` as Meta answers it. Failure modes answer before
 * anything is checked or stored, as an outage does; `timeout` holds the request past the client's
 * timeout and then answers 504 without sending, so a drill's timeouts never turn into sends the
 * client did not see (Meta gives no such promise: see RUNBOOK "Outage drill").
 */
export async function answerGraphSend(
  db: Db,
  config: Config,
  request: { phoneNumberId: string; authorization: string | undefined; body: unknown; signal: AbortSignal },
  now = Date.now(),
): Promise<GraphAnswer> {
  const [[modeRow], [account]] = await db.batch([
    simulatorMode(db),
    accountByPhoneNumberId(db, request.phoneNumberId),
  ]);
  const outage = await failureFor(modeRow?.mode ?? "ok", request.signal);
  if (outage) return outage;
  if (!account) {
    return {
      status: 400,
      body: graphError(
        100,
        `Unsupported post request. Object with ID '${request.phoneNumberId}' does not exist`,
        "GraphMethodException",
      ),
    };
  }
  const token = request.authorization?.match(/^Bearer (.+)$/)?.[1];
  const expected = await openCredential(config, account, "access_token");
  if (!token || !timingSafeEqualStrings(token, expected)) {
    return { status: 401, body: graphError(190, "Invalid OAuth access token - Cannot parse access token") };
  }
  const body = (request.body ?? {}) as SendBody;
  const to = typeof body.to === "string" ? body.to.replace(/^\+/, "") : "";
  if (body.messaging_product !== "whatsapp" || !/^\d{6,15}$/.test(to) || typeof body.type !== "string") {
    return { status: 400, body: graphError(100, "Invalid parameter") };
  }
  const wamid = `wamid.${randomToken(40)}`;
  await insertSend(db, {
    wamid,
    phoneNumberId: request.phoneNumberId,
    recipient: to,
    summary: summaryOf(body).slice(0, 300),
    callbackData: typeof body.biz_opaque_callback_data === "string" ? body.biz_opaque_callback_data : null,
    lastStatus: null,
    createdAt: now,
  }).run();
  return {
    status: 200,
    body: { messaging_product: "whatsapp", contacts: [{ input: to, wa_id: to }], messages: [{ id: wamid }] },
  };
}

/**
 * The templates every simulated WhatsApp Business Account has, as Meta lists them: marketing with
 * and without an opt-out line, utility with two variables in both languages, an authentication
 * code, one waiting for review and one rejected. Plain literals, no calls: the production build
 * drops this module only while its top level has no side effects.
 */
export const SIMULATED_TEMPLATES = [
  {
    name: "new_listings_offer",
    language: "ar",
    category: "MARKETING",
    status: "APPROVED",
    components: [
      { type: "BODY", text: "مرحباً {{1}}، وصلتنا عقارات جديدة في حي {{2}} تناسب طلبك. هل تودّ ترتيب معاينة؟" },
      { type: "FOOTER", text: "للإيقاف أرسل «إيقاف»" },
      {
        type: "BUTTONS",
        buttons: [
          { type: "QUICK_REPLY", text: "أرغب بمعاينة" },
          { type: "QUICK_REPLY", text: "إيقاف العروض" },
        ],
      },
    ],
  },
  {
    name: "spring_offer",
    language: "en",
    category: "MARKETING",
    status: "APPROVED",
    components: [
      { type: "HEADER", text: "Spring offer" },
      { type: "BODY", text: "Hi {{1}}, this week only: no agency fee on rentals in {{2}}." },
      { type: "FOOTER", text: "Reply STOP to opt out" },
      { type: "BUTTONS", buttons: [{ type: "QUICK_REPLY", text: "Stop promotions" }] },
    ],
  },
  {
    name: "weekend_open_house",
    language: "en",
    category: "MARKETING",
    status: "APPROVED",
    components: [{ type: "BODY", text: "Join our open house this weekend at {{1}}!" }],
  },
  {
    name: "viewing_reminder",
    language: "ar",
    category: "UTILITY",
    status: "APPROVED",
    components: [{ type: "BODY", text: "تذكير: موعد معاينة {{1}} يوم {{2}}. للتعديل ردّ على هذه الرسالة." }],
  },
  {
    name: "viewing_reminder",
    language: "en",
    category: "UTILITY",
    status: "APPROVED",
    components: [{ type: "BODY", text: "Reminder: your viewing of {{1}} is on {{2}}. Reply to change it." }],
  },
  {
    name: "verification_code",
    language: "ar",
    category: "AUTHENTICATION",
    status: "APPROVED",
    components: [
      { type: "BODY", text: "{{1}} هو رمز التحقق الخاص بك." },
      { type: "BUTTONS", buttons: [{ type: "URL", text: "نسخ الرمز" }] },
    ],
  },
  {
    name: "ramadan_greeting",
    language: "ar",
    category: "MARKETING",
    status: "PENDING",
    components: [
      { type: "BODY", text: "رمضان كريم {{1}}" },
      { type: "FOOTER", text: "للإيقاف أرسل «إيقاف»" },
    ],
  },
  {
    name: "price_drop",
    language: "en",
    category: "MARKETING",
    status: "REJECTED",
    components: [{ type: "BODY", text: "Prices dropped! Buy now." }],
  },
];

/**
 * `GET /{version}/{waba-id}/message_templates` as Meta answers it: the account's access token,
 * pages of `limit` with `paging.cursors.after` (and `paging.next` while more remain).
 */
export async function answerGraphTemplates(
  db: Db,
  config: Config,
  request: {
    businessAccountId: string;
    authorization: string | undefined;
    limit: string | undefined;
    after: string | undefined;
    signal: AbortSignal;
  },
): Promise<GraphAnswer> {
  const [[modeRow], [account]] = await db.batch([
    simulatorMode(db),
    accountByBusinessAccountId(db, request.businessAccountId),
  ]);
  const outage = await failureFor(modeRow?.mode ?? "ok", request.signal);
  if (outage) return outage;
  if (!account) {
    return {
      status: 400,
      body: graphError(
        100,
        `Object with ID '${request.businessAccountId}' does not exist`,
        "GraphMethodException",
      ),
    };
  }
  const token = request.authorization?.match(/^Bearer (.+)$/)?.[1];
  const expected = await openCredential(config, account, "access_token");
  if (!token || !timingSafeEqualStrings(token, expected)) {
    return { status: 401, body: graphError(190, "Invalid OAuth access token - Cannot parse access token") };
  }
  const limit = Math.min(Math.max(Number(request.limit) || 25, 1), 100);
  const start = Math.max(Number(request.after) || 0, 0);
  const data = SIMULATED_TEMPLATES.slice(start, start + limit).map((template, index) => ({
    ...template,
    id: String(1_000_000 + start + index),
  }));
  const end = start + data.length;
  const cursor = (position: number) => String(position);
  return {
    status: 200,
    body: {
      data,
      paging: {
        cursors: { before: cursor(start), after: cursor(end) },
        ...(end < SIMULATED_TEMPLATES.length
          ? { next: `${config.APP_ORIGIN}/dev/whatsapp/graph/message_templates?after=${cursor(end)}` }
          : {}),
      },
    },
  };
}

/**
 * Posts `payload` to `/webhooks/whatsapp?account=…` signed with the number's app secret, through the
 * Worker's own fetch handler. In-process rather than a fetch of the Worker's own origin: the tests
 * have no network, and the whole app (request id, config, body limit, the route's signature check,
 * the webhooks queue) runs either way. Returns the route's status.
 */
async function postSignedWebhook(deps: SimulatorDeps, account: WhatsAppAccountRow, payload: unknown) {
  const body = JSON.stringify(payload);
  const appSecret = await openCredential(deps.config, account, "app_secret");
  const response = await deps.app.fetch(
    new Request(`${deps.config.APP_ORIGIN}/webhooks/whatsapp?account=${account.id}`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": await signatureHeader(body, appSecret),
      },
      body,
    }),
    deps.env,
    deps.executionCtx,
  );
  await response.body?.cancel();
  return response.status;
}

const envelope = (account: WhatsAppAccountRow, value: Record<string, unknown>) => ({
  object: "whatsapp_business_account",
  entry: [
    {
      id: account.businessAccountId ?? "0",
      changes: [
        {
          field: "messages",
          value: {
            messaging_product: "whatsapp",
            metadata: {
              display_phone_number: account.displayPhone.replace(/\D/g, ""),
              phone_number_id: account.phoneNumberId,
            },
            ...value,
          },
        },
      ],
    },
  ],
});

const seconds = (ms: number) => String(Math.floor(ms / 1000));

/** A person writes to the number: `from` in E.164. Returns the webhook route's status. */
export async function simulateInbound(
  deps: SimulatorDeps,
  input: { accountId: string; from: string; name: string; text: string },
  now = Date.now(),
): Promise<number | null> {
  const [account] = await accountWithId(deps.db, input.accountId);
  if (!account) return null;
  const waId = input.from.replace(/^\+/, "");
  return postSignedWebhook(
    deps,
    account,
    envelope(account, {
      contacts: [{ profile: { name: input.name }, wa_id: waId }],
      messages: [
        {
          from: waId,
          id: `wamid.${randomToken(40)}`,
          timestamp: seconds(now),
          type: "text",
          text: { body: input.text },
        },
      ],
    }),
  );
}

export const STATUS_UPDATES = ["delivered", "read", "failed"] as const;
export type StatusUpdate = (typeof STATUS_UPDATES)[number];

const statusEntry = (
  send: { wamid: string; recipient: string; callbackData: string | null },
  status: StatusUpdate,
  now: number,
) => ({
  id: send.wamid,
  status,
  timestamp: seconds(now),
  recipient_id: send.recipient,
  ...(send.callbackData ? { biz_opaque_callback_data: send.callbackData } : {}),
  ...(status === "failed"
    ? { errors: [{ code: 131026, title: "Message undeliverable", message: "Message undeliverable" }] }
    : {}),
});

/** Meta reports a status for one of the sends it accepted. Returns the webhook route's status. */
export async function simulateStatus(
  deps: SimulatorDeps,
  wamid: string,
  status: StatusUpdate,
  now = Date.now(),
): Promise<number | null> {
  const [send] = await sendByWamid(deps.db, wamid);
  const [account] = send ? await accountByPhoneNumberId(deps.db, send.phoneNumberId) : [];
  if (!send || !account) return null;
  const answered = await postSignedWebhook(
    deps,
    account,
    envelope(account, { statuses: [statusEntry(send, status, now)] }),
  );
  if (answered === 200) await recordStatus(deps.db, [wamid], status).run();
  return answered;
}

/** Sends one "deliver all" click reports at most; the page says how many remain. */
export const DELIVER_ALL_LIMIT = 1_000;
const DELIVER_CONCURRENCY = 10;

/**
 * `delivered` for every send without a status yet, one webhook per send as Meta posts them.
 * Returns how many the webhook route took and how many it refused.
 */
export async function deliverAll(deps: SimulatorDeps, now = Date.now()) {
  const sends = await sendsWithoutStatus(deps.db, DELIVER_ALL_LIMIT);
  const accounts = new Map<string, Promise<WhatsAppAccountRow | undefined>>();
  const accountOf = (phoneNumberId: string) => {
    let account = accounts.get(phoneNumberId);
    if (!account) {
      account = accountByPhoneNumberId(deps.db, phoneNumberId).then(([row]) => row);
      accounts.set(phoneNumberId, account);
    }
    return account;
  };
  const delivered: string[] = [];
  let refused = 0;
  for (let start = 0; start < sends.length; start += DELIVER_CONCURRENCY) {
    await Promise.all(
      sends.slice(start, start + DELIVER_CONCURRENCY).map(async (send) => {
        const account = await accountOf(send.phoneNumberId);
        const answered = account
          ? await postSignedWebhook(
              deps,
              account,
              envelope(account, { statuses: [statusEntry(send, "delivered", now)] }),
            )
          : null;
        if (answered === 200) delivered.push(send.wamid);
        else refused++;
      }),
    );
  }
  // D1 binds at most 100 parameters per statement (one per wamid here, plus the status).
  for (let start = 0; start < delivered.length; start += 90) {
    await recordStatus(deps.db, delivered.slice(start, start + 90), "delivered").run();
  }
  return { delivered: delivered.length, refused };
}

const digits = (length: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(length)), (byte) => byte % 10).join("");

/**
 * Connects a simulated number for the signed-in owner's tenant through the same service as
 * `PUT /api/v1/whatsapp/account`, with generated credentials (kept encrypted like real ones; the
 * simulator reads them back to check sends and sign webhooks).
 */
export function connectSimulatedNumber(ctx: TenantContext) {
  const hex = Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) =>
    byte.toString(16).padStart(2, "0"),
  ).join("");
  return connectWhatsApp(ctx, {
    phoneNumberId: `1${digits(14)}`,
    businessAccountId: `2${digits(14)}`,
    displayPhone: `+966 11 ${digits(3)} ${digits(4)}`,
    accessToken: `EAAsimulator${randomToken(40)}`,
    appSecret: hex,
    verifyToken: `sim-verify-${randomToken(24)}`,
  });
}

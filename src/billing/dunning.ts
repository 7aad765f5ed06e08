// The daily billing run (workers/cron): trials and paid periods that ended move on, and owners are
// told, by e-mail and WhatsApp, what to pay and by when.
//
// Moyasar has no subscription object and Dealix keeps no card (integrations.md §1.8), so a period
// is renewed by the owner paying a new invoice: the run opens it (on the scheduled plan when a
// downgrade waits) and sends its link with the reminder before the period ends, and again on days
// 0, 3 and 7 after; on day 14 the account is suspended (data kept,
// sign-in allowed, writes refused with a banner) until a payment restores it (lifecycle.ts:
// payment_confirmed). Every step is a conditional update or a claimed reminder, so a run that is
// repeated, or two that overlap, change and send nothing twice.

import { and, eq, inArray, lte, sql } from "drizzle-orm";
import { users } from "../auth/auth.schema";
import { type Db, dbFor } from "../db/client";
import type { Bindings, Config } from "../env";
import { deliver, type OutboundMessage } from "../outbox/outbox.service";
import { log } from "../platform/logger";
import { memberships, tenants } from "../tenants/tenants.schema";
import { billingReminders } from "./billing-reminders.schema";
import { openRenewalCheckout } from "./checkout.service";
import { nextStatus, RENEWAL_WINDOW_DAYS, type SubscriptionEvent } from "./lifecycle";
import { PLANS } from "./plans";
import { type SubscriptionStatus, subscriptions } from "./subscriptions.schema";

const DAY_MS = 86_400_000;

/** Days after the period end on which a past-due owner is reminded. */
export const DUNNING_REMINDER_DAYS = [0, 3, 7] as const;
/** Days after the period end when an unpaid account is suspended. */
export const GRACE_DAYS = 14;
/** Days before a paid period ends when the owner is told to renew: when renewing opens. */
export const RENEWAL_NOTICE_DAYS = RENEWAL_WINDOW_DAYS;

// Enough for every tenant Dealix will have for a long while in one run; a larger backlog is
// finished by the next day's run, since every step is idempotent.
const RUN_LIMIT = 500;

export type NoticeKind = "renewal_due" | "trial_ended" | "payment_overdue" | "suspended";

// The notices that come with an invoice to pay: the renewal, and the reminders of an unpaid one.
// A trial that ended has no plan chosen yet, and a suspended account pays from the billing page.
const PAYABLE_NOTICES: ReadonlySet<NoticeKind> = new Set(["renewal_due", "payment_overdue"]);

type Row = typeof subscriptions.$inferSelect;

/** The event a subscription whose time has come undergoes now, or null. */
export function dueEvent(row: Pick<Row, "status" | "currentPeriodEnd" | "cancelAtPeriodEnd">, now: number) {
  if (row.currentPeriodEnd > now) return null;
  const event: SubscriptionEvent | null =
    row.status === "trialing"
      ? row.cancelAtPeriodEnd
        ? "period_ended_canceled"
        : "trial_ended"
      : row.status === "active"
        ? row.cancelAtPeriodEnd
          ? "period_ended_canceled"
          : "renewal_failed"
        : row.status === "past_due" && now - row.currentPeriodEnd >= GRACE_DAYS * DAY_MS
          ? "grace_ended"
          : null;
  if (!event) return null;
  const to = nextStatus(row.status, event);
  return to ? { event, to } : null;
}

/** The reminder a subscription is owed today (a day mark reached and not yet sent), or null. */
export function dueReminder(
  row: Pick<Row, "status" | "currentPeriodEnd" | "cancelAtPeriodEnd" | "trialEndsAt">,
  now: number,
): { day: number; kind: NoticeKind } | null {
  const sinceEnd = Math.floor((now - row.currentPeriodEnd) / DAY_MS);
  if (row.status === "active" && !row.cancelAtPeriodEnd) {
    const left = row.currentPeriodEnd - now;
    return left > 0 && left <= RENEWAL_NOTICE_DAYS * DAY_MS
      ? { day: -RENEWAL_NOTICE_DAYS, kind: "renewal_due" }
      : null;
  }
  if (row.status === "past_due" && sinceEnd >= 0) {
    // The latest mark reached: a run missed on day 3 still sends day 3's reminder on day 4.
    const day = [...DUNNING_REMINDER_DAYS].reverse().find((mark) => sinceEnd >= mark) ?? 0;
    return { day, kind: day === 0 && row.trialEndsAt !== null ? "trial_ended" : "payment_overdue" };
  }
  if (row.status === "suspended") return { day: GRACE_DAYS, kind: "suspended" };
  return null;
}

const transition = (db: Db, row: Row, to: SubscriptionStatus, now: number) =>
  db
    .update(subscriptions)
    .set({ status: to, updatedAt: now })
    // Only from what this run read: a payment or another run that got there first wins.
    .where(
      and(
        eq(subscriptions.tenantId, row.tenantId),
        eq(subscriptions.status, row.status),
        eq(subscriptions.currentPeriodEnd, row.currentPeriodEnd),
      ),
    )
    .returning({ tenantId: subscriptions.tenantId });

/** Claims one reminder (tenant × period end × day): true only for the run that claimed it. */
const claimReminder = async (db: Db, row: Row, day: number, kind: NoticeKind, now: number) =>
  (
    await db
      .insert(billingReminders)
      .values({ tenantId: row.tenantId, periodEnd: row.currentPeriodEnd, day, kind, sentAt: now })
      .onConflictDoNothing()
      .returning({ tenantId: billingReminders.tenantId })
  ).length === 1;

const ownersOf = (db: Db, tenantId: string) =>
  db
    .select({
      email: users.email,
      emailVerifiedAt: users.emailVerifiedAt,
      phone: users.phone,
      phoneVerifiedAt: users.phoneVerifiedAt,
      locale: users.locale,
      tenantAr: tenants.nameAr,
      tenantEn: tenants.nameEn,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .where(and(eq(memberships.tenantId, tenantId), eq(memberships.role, "owner")));

const formatDate = (at: number, locale: "ar" | "en") =>
  new Intl.DateTimeFormat(locale === "ar" ? "ar-SA-u-ca-gregory" : "en-GB", {
    dateStyle: "long",
    timeZone: "Asia/Riyadh",
  }).format(at);

/** The notice's words in both languages (the e-mail carries both; WhatsApp the person's). */
export function noticeText(
  kind: NoticeKind,
  row: Pick<Row, "plan" | "currentPeriodEnd">,
): { ar: string; en: string } {
  const suspendOn = row.currentPeriodEnd + GRACE_DAYS * DAY_MS;
  const plan = PLANS[row.plan].name;
  switch (kind) {
    case "renewal_due":
      return {
        ar: `ينتهي اشتراك ${plan.ar} في ${formatDate(row.currentPeriodEnd, "ar")}. جدّد بالدفع عبر الرابط لتستمر الخدمة.`,
        en: `Your ${plan.en} subscription ends on ${formatDate(row.currentPeriodEnd, "en")}. Renew by paying at the link to keep going.`,
      };
    case "trial_ended":
      return {
        ar: `انتهت الفترة التجريبية. اختر باقة قبل ${formatDate(suspendOn, "ar")} وإلا سيُعلَّق الحساب (تبقى بياناتك محفوظة).`,
        en: `Your trial has ended. Choose a plan by ${formatDate(suspendOn, "en")}, or the account will be suspended (your data is kept).`,
      };
    case "payment_overdue":
      return {
        ar: `لم يصلنا دفع تجديد ${plan.ar}. ادفع قبل ${formatDate(suspendOn, "ar")} لتجنّب تعليق الحساب.`,
        en: `We have not received the renewal of ${plan.en}. Pay by ${formatDate(suspendOn, "en")} to avoid suspension.`,
      };
    case "suspended":
      return {
        ar: "عُلِّق الحساب لعدم الدفع: يمكنك تسجيل الدخول والاطلاع على بياناتك، ولا يمكن التعديل حتى الدفع.",
        en: "The account is suspended for non-payment: you can sign in and see your data, but not change it until you pay.",
      };
  }
}

async function notifyOwners(
  env: Bindings,
  config: Config,
  db: Db,
  row: Row,
  kind: NoticeKind,
  payUrl: string | null,
): Promise<number> {
  const text = noticeText(kind, row);
  // The invoice itself when the run opened one, so the owner pays from the message.
  const link = payUrl ?? `${config.APP_ORIGIN}/billing`;
  let delivered = 0;
  for (const owner of await ownersOf(db, row.tenantId)) {
    const locale = owner.locale === "en" ? "en" : "ar";
    const messages: OutboundMessage[] = [
      {
        channel: "email",
        recipient: owner.email,
        locale,
        subject: locale === "ar" ? "Dealix: الفوترة" : "Dealix: billing",
        body: `${text.ar}\n${link}\n\n${text.en}\n${link}`,
      },
    ];
    // WhatsApp only to a number its owner proved: a billing notice names the business.
    if (owner.phone && owner.phoneVerifiedAt !== null) {
      messages.push({
        channel: "whatsapp",
        recipient: owner.phone,
        locale,
        body: `${text[locale]}\n${link}`,
        template: {
          kind: "billing_notice",
          workspace: { ar: owner.tenantAr, en: owner.tenantEn },
          notice: text,
          link,
        },
      });
    }
    for (const message of messages) {
      const delivery = await deliver({ db, config, env }, message);
      if (delivery.status === "sent" || delivery.status === "dev_outbox") delivered += 1;
    }
  }
  return delivered;
}

/**
 * One billing run at `now` (the cron passes the scheduled time; tests pass any clock): moves every
 * subscription whose time has come, then sends the reminders owed. Returns what it did.
 */
export async function runBillingCycle(env: Bindings, config: Config, now: number) {
  const db = dbFor(env.DB);
  const due = await db
    .select()
    .from(subscriptions)
    .where(
      and(
        inArray(subscriptions.status, ["trialing", "active", "past_due", "suspended"]),
        lte(subscriptions.currentPeriodEnd, sql`${now + RENEWAL_NOTICE_DAYS * DAY_MS}`),
      ),
    )
    .orderBy(subscriptions.currentPeriodEnd)
    .limit(RUN_LIMIT);

  const result = { moved: 0, suspended: 0, reminded: 0, invoices: 0, messages: 0 };
  for (const read of due) {
    let row = read;
    const step = dueEvent(row, now);
    if (step) {
      const [moved] = await transition(db, row, step.to, now);
      if (moved) {
        result.moved += 1;
        if (step.to === "suspended") result.suspended += 1;
        log("info", "subscription moved", { tenantId: row.tenantId, event: step.event, to: step.to });
        row = { ...row, status: step.to };
      }
    }
    const reminder = dueReminder(row, now);
    if (reminder && (await claimReminder(db, row, reminder.day, reminder.kind, now))) {
      result.reminded += 1;
      const payUrl = PAYABLE_NOTICES.has(reminder.kind)
        ? await openRenewalCheckout(env, config, db, row, now)
        : null;
      if (payUrl) result.invoices += 1;
      result.messages += await notifyOwners(env, config, db, row, reminder.kind, payUrl);
    }
  }
  return result;
}

import { and, eq, ne, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { TenantScope } from "../platform/tenant-scope";
import { memberships } from "../tenants/tenants.schema";
import {
  billingCheckouts,
  billingPayments,
  moyasarWebhookEvents,
  type PaymentStatus,
} from "./checkouts.schema";

export type CheckoutRow = typeof billingCheckouts.$inferSelect;
export type PaymentRow = typeof billingPayments.$inferSelect;

export const pendingCheckoutOf = (scope: TenantScope) =>
  scope.db
    .select()
    .from(billingCheckouts)
    .where(scope.where(billingCheckouts.tenantId, eq(billingCheckouts.status, "pending")));

/** The owner who has been one longest: the person a checkout the billing run opens is recorded against. */
export const firstOwnerOf = (scope: TenantScope) =>
  scope.db
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(scope.where(memberships.tenantId, eq(memberships.role, "owner")))
    .orderBy(memberships.createdAt)
    .limit(1);

export const checkoutById = (scope: TenantScope, id: string) =>
  scope.db
    .select()
    .from(billingCheckouts)
    .where(scope.where(billingCheckouts.tenantId, eq(billingCheckouts.id, id)));

/** The checkout a Moyasar invoice belongs to, before any tenant is known (the webhook consumer). */
export const checkoutByInvoiceId = (db: Db, invoiceId: string) =>
  db.select().from(billingCheckouts).where(eq(billingCheckouts.moyasarInvoiceId, invoiceId));

export const insertCheckout = (scope: TenantScope, row: Omit<CheckoutRow, "tenantId">) =>
  scope.db.insert(billingCheckouts).values({ ...row, tenantId: scope.tenantId });

/**
 * Retires the pending checkout the caller read (the owner chose another plan or period), freeing
 * the tenant's one pending slot. By id: a request must never retire a checkout it has not seen.
 */
export const expirePendingCheckout = (scope: TenantScope, id: string, now: number) =>
  scope.db
    .update(billingCheckouts)
    .set({ status: "expired", updatedAt: now })
    .where(
      scope.where(
        billingCheckouts.tenantId,
        eq(billingCheckouts.id, id),
        eq(billingCheckouts.status, "pending"),
      ),
    );

export const attachInvoice = (
  scope: TenantScope,
  id: string,
  invoice: { id: string; url: string },
  now: number,
) =>
  scope.db
    .update(billingCheckouts)
    .set({ moyasarInvoiceId: invoice.id, url: invoice.url, updatedAt: now })
    .where(scope.where(billingCheckouts.tenantId, eq(billingCheckouts.id, id)));

/** A pending checkout whose invoice could not be created, or whose payment failed. */
export const failPendingCheckout = (scope: TenantScope, id: string, now: number) =>
  scope.db
    .update(billingCheckouts)
    .set({ status: "failed", updatedAt: now })
    .where(
      scope.where(
        billingCheckouts.tenantId,
        eq(billingCheckouts.id, id),
        eq(billingCheckouts.status, "pending"),
      ),
    );

/** A confirmed payment wins over any earlier outcome (a declined card retried on the same invoice). */
export const markCheckoutPaid = (scope: TenantScope, id: string, now: number) =>
  scope.db
    .update(billingCheckouts)
    .set({ status: "paid", updatedAt: now })
    .where(
      scope.where(
        billingCheckouts.tenantId,
        eq(billingCheckouts.id, id),
        ne(billingCheckouts.status, "paid"),
      ),
    );

// What a stored payment may become: a re-fetch is the truth, but a later event never takes a
// payment back to an earlier state (paid never becomes failed; refunded never becomes paid).
const MAY_FOLLOW: Record<PaymentStatus, readonly PaymentStatus[]> = {
  failed: [],
  paid: ["failed"],
  refunded: ["paid"],
  voided: ["paid"],
};

/**
 * Records a payment as Moyasar confirmed it: inserted once per Moyasar payment id; an existing row
 * moves only forward (MAY_FOLLOW). A mismatch is kept on the row and never cleared.
 */
export const recordPayment = (
  scope: TenantScope,
  row: Omit<PaymentRow, "tenantId" | "updatedAt">,
  now: number,
) => {
  const earlier = MAY_FOLLOW[row.status];
  return scope.db
    .insert(billingPayments)
    .values({ ...row, tenantId: scope.tenantId, updatedAt: now })
    .onConflictDoUpdate({
      target: billingPayments.moyasarPaymentId,
      set: { status: row.status, updatedAt: now },
      setWhere:
        earlier.length > 0
          ? and(
              eq(billingPayments.tenantId, scope.tenantId),
              sql`${billingPayments.status} in (${sql.join(
                earlier.map((status) => sql`${status}`),
                sql`, `,
              )})`,
            )
          : sql`0`,
    });
};

/** Remembers a webhook event id; returns the row only when it was not seen before. */
export const rememberWebhookEvent = (
  db: Db,
  event: { id: string; type: string; paymentId: string },
  now: number,
) =>
  db
    .insert(moyasarWebhookEvents)
    .values({ ...event, receivedAt: now })
    .onConflictDoNothing()
    .returning({ id: moyasarWebhookEvents.id });

/** Forgets an event whose job could not be queued, so Moyasar's retry of it is accepted. */
export const forgetWebhookEvent = (db: Db, id: string) =>
  db.delete(moyasarWebhookEvents).where(eq(moyasarWebhookEvents.id, id));

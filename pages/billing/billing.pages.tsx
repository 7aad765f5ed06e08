import { type Context, Hono } from "hono";
import { z } from "zod";
import { getBillingProfile, setBillingProfile } from "../../src/billing/billing-profile.service";
import { getCheckout, previewCheckout, startCheckout } from "../../src/billing/checkout.service";
import { BILLING_PERIODS, PLAN_IDS } from "../../src/billing/plans";
import { BillingProfileInputSchema } from "../../src/billing/subscriptions.model";
import { changePlan, getSubscription, setCancellation } from "../../src/billing/subscriptions.service";
import { taxInvoicesPage } from "../../src/billing/tax-invoices.service";
import { usageOf } from "../../src/billing/usage";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { ApiError } from "../../src/platform/problem";
import { idSchema } from "../../src/platform/schemas";
import { closureOf } from "../../src/tenant-export/tenant-closure";
import { renderPage } from "../render";
import { formValues } from "../session/forms";
import { requireOwner, requireSignedIn, signedInUser } from "../session/page-session";
import { TenantExportCard } from "../tenant-export/tenant-export.pages";
import { BillingPage, BillingProfileForm, CheckoutConfirmPage, CheckoutReturnPage } from "./billing.views";
import { type BillingStrings, billingStrings } from "./billing-strings";
import { TaxInvoicesSection } from "./tax-invoices.views";
import { UsageBars } from "./usage.views";

/** The owner's billing pages: plan and status, checkout with Moyasar, the return after paying. */
export const billingPages = new Hono<AppEnv>();

// Named paths, not /billing/*: managers see /billing/usage, and the invoice pages guard themselves.
for (const path of [
  "/billing",
  "/billing/checkout",
  "/billing/return",
  "/billing/change",
  "/billing/cancel",
  "/billing/profile",
]) {
  billingPages.use(path, requireSignedIn(), requireOwner());
}

const ChoiceSchema = z.object({ plan: z.enum(PLAN_IDS), period: z.enum(BILLING_PERIODS) });
const FLASHES = ["failed", "unavailable", "conflict", "changed", "profile_invalid"] as const;
type Flash = (typeof FLASHES)[number];

const toBilling = (c: Context<AppEnv>, flash: Flash) => c.redirect(`/billing?flash=${flash}`, 303);

function flashOf(s: BillingStrings, c: Context<AppEnv>) {
  // Moyasar's back_url (and the simulator) report a failed payment as ?payment=failed.
  const flash = c.req.query("payment") === "failed" ? "failed" : c.req.query("flash");
  if (!flash || !(FLASHES as readonly string[]).includes(flash)) return null;
  return { message: s.flash[flash as Flash], error: flash !== "changed" };
}

/** The outcome of a billing form that the service refused for a reason the owner can act on. */
function refusal(c: Context<AppEnv>, error: unknown) {
  if (error instanceof ApiError && error.code === "UNAVAILABLE") return toBilling(c, "unavailable");
  if (error instanceof ApiError && (error.code === "CONFLICT" || error.code === "VALIDATION_FAILED")) {
    return toBilling(c, "conflict");
  }
  throw error;
}

const INVOICES_PAGE = 10;

billingPages.get("/billing", async (c) => {
  const ctx = tenantOf(c);
  const cursor = c.req.query("cursor");
  const [subscription, usage, profile, closure, invoices] = await Promise.all([
    getSubscription(ctx),
    usageOf(ctx),
    getBillingProfile(ctx),
    closureOf(ctx),
    taxInvoicesPage(ctx, cursor && cursor.length <= 512 ? cursor : undefined, INVOICES_PAGE),
  ]);
  const locale = c.get("locale");
  const s = billingStrings(locale);
  return renderPage(c, {
    title: () => s.title,
    body: (t, csrf) => (
      <>
        <BillingPage s={s} csrf={csrf} locale={locale} subscription={subscription} flash={flashOf(s, c)} />
        <section class="section">
          <div class="container stack" data-testid="billing-usage">
            <h2>{t.usage.title}</h2>
            <UsageBars t={t} locale={locale} usage={usage} />
          </div>
        </section>
        <section class="section">
          <div class="container stack">
            <BillingProfileForm s={s} csrf={csrf} profile={profile} />
          </div>
        </section>
        <section class="section">
          <div class="container stack">
            <TaxInvoicesSection
              t={t}
              locale={locale}
              timeZone={signedInUser(c).tenantTimeZone}
              invoices={invoices.data}
              nextCursor={invoices.nextCursor}
              path="/billing"
            />
          </div>
        </section>
        <section class="section">
          <div class="container stack">
            <TenantExportCard locale={locale} csrf={csrf} closure={closure} notice={c.req.query("closure")} />
          </div>
        </section>
      </>
    ),
  });
});

billingPages.get("/billing/checkout", async (c) => {
  const choice = ChoiceSchema.safeParse({ plan: c.req.query("plan"), period: c.req.query("period") });
  if (!choice.success) return toBilling(c, "conflict");
  const preview = await previewCheckout(tenantOf(c), choice.data);
  if (!preview.ok) return toBilling(c, "conflict");
  const s = billingStrings(c.get("locale"));
  return renderPage(c, {
    title: () => s.confirmTitle,
    body: (_, csrf) => <CheckoutConfirmPage s={s} csrf={csrf} preview={preview} />,
  });
});

billingPages.post("/billing/checkout", async (c) => {
  const choice = ChoiceSchema.safeParse(await formValues(c, ["plan", "period"]));
  if (!choice.success) return toBilling(c, "conflict");
  try {
    const checkout = await startCheckout(tenantOf(c), choice.data);
    // Moyasar's hosted page (the simulator's in development): the one place a page leaves Dealix.
    return c.redirect(checkout.url, 303);
  } catch (error) {
    return refusal(c, error);
  }
});

billingPages.get("/billing/return", async (c) => {
  const id = idSchema("chk").safeParse(c.req.query("checkout"));
  if (!id.success) throw new ApiError("NOT_FOUND");
  const checkout = await getCheckout(tenantOf(c), id.data);
  const s = billingStrings(c.get("locale"));
  const res = await renderPage(c, {
    title: () => s.returnTitle,
    body: () => <CheckoutReturnPage s={s} status={checkout.status} />,
  });
  // The webhook usually lands within seconds: reload until the payment is settled, no script needed.
  if (checkout.status === "pending") res.headers.set("Refresh", "3");
  return res;
});

billingPages.post("/billing/change", async (c) => {
  const choice = ChoiceSchema.safeParse(await formValues(c, ["plan", "period"]));
  if (!choice.success) return toBilling(c, "conflict");
  try {
    await changePlan(tenantOf(c), choice.data);
    return toBilling(c, "changed");
  } catch (error) {
    return refusal(c, error);
  }
});

billingPages.post("/billing/cancel", async (c) => {
  const { cancel } = await formValues(c, ["cancel"]);
  try {
    await setCancellation(tenantOf(c), cancel === "true");
    return toBilling(c, "changed");
  } catch (error) {
    return refusal(c, error);
  }
});

billingPages.post("/billing/profile", async (c) => {
  const form = await formValues(c, ["legalName", "vatNumber", "address"]);
  // An empty optional field means "none", as the API's null does.
  const input = BillingProfileInputSchema.safeParse({
    legalName: form.legalName,
    vatNumber: form.vatNumber?.trim() ? form.vatNumber : null,
    address: form.address?.trim() ? form.address : null,
  });
  if (!input.success) return toBilling(c, "profile_invalid");
  await setBillingProfile(tenantOf(c), input.data);
  return toBilling(c, "changed");
});

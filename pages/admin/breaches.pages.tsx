import { z } from "@hono/zod-openapi";
import { type Context, Hono } from "hono";
import { BREACH_CHANNELS, BREACH_CHECKLIST, BREACH_RECIPIENTS } from "../../src/breaches/breaches.schema";
import {
  breachDetail,
  listBreaches,
  openBreach,
  recordBreachNotification,
  updateBreachRecord,
} from "../../src/breaches/breaches.service";
import { dbFor } from "../../src/db/client";
import { type AppEnv, type OperatorPrincipal, requestOrigin } from "../../src/platform/context";
import { idSchema } from "../../src/platform/schemas";
import { renderPage } from "../render";
import { parseWith } from "../session/forms";
import { requireOperatorPage } from "./admin.pages";
import { BreachDetailPage, BreachListPage } from "./breaches.views";

/** Riyadh has no daylight saving: a datetime-local typed there is UTC+3 all year. */
const RIYADH_OFFSET = "+03:00";

const actOf = (c: Context<AppEnv>) => ({
  db: dbFor(c.env.DB),
  operator: c.get("operator") as OperatorPrincipal,
  origin: requestOrigin(c),
});

const list = z.string().transform((value) =>
  value
    .split(/[,،\n]/)
    .map((item) => item.trim())
    .filter(Boolean),
);
const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? null : value));

const OpenFormSchema = z.object({
  title: z.string(),
  description: z.string(),
  awareAt: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/)
    .transform((local) => new Date(`${local}:00${RIYADH_OFFSET}`).toISOString()),
  dataCategories: list,
  subjectCategories: list,
  approxSubjects: z.coerce.number().int(),
  affectedTenantIds: list.pipe(z.array(idSchema("ten"))),
});

const EditFormSchema = z.object({
  risks: optionalText,
  remedialActions: optionalText,
  contactPoint: optionalText,
  checklist: z.array(z.enum(BREACH_CHECKLIST)),
});

const NotifyFormSchema = z.object({
  recipient: z.enum(BREACH_RECIPIENTS),
  tenantId: z
    .string()
    .transform((value) => value || undefined)
    .pipe(idSchema("ten").optional()),
  channel: z.enum(BREACH_CHANNELS),
  reference: z
    .string()
    .trim()
    .transform((value) => value || undefined),
});

const breachIdOf = (c: Context<AppEnv>) =>
  parseWith(z.object({ id: idSchema("brh") }), { id: c.req.param("breachId") }).id;

/** The operator console's breach register (its JSON API is under /admin/breach-incidents). */
export const breachPages = new Hono<AppEnv>();

breachPages.use("/admin/breaches", requireOperatorPage());
breachPages.use("/admin/breaches/*", requireOperatorPage());

breachPages.get("/admin/breaches", async (c) => {
  const { data } = await listBreaches(actOf(c));
  return renderPage(c, {
    title: (t) => t.governance.breaches.title,
    body: (t, csrf) => <BreachListPage t={t} locale={c.get("locale")} csrf={csrf} breaches={data} />,
    operatorConsole: true,
  });
});

breachPages.post("/admin/breaches/new", async (c) => {
  const input = parseWith(OpenFormSchema, await c.req.parseBody());
  const breach = await openBreach(actOf(c), input);
  return c.redirect(`/admin/breaches/${breach.id}`, 303);
});

breachPages.get("/admin/breaches/:breachId", async (c) => {
  const breach = await breachDetail(actOf(c), breachIdOf(c));
  return renderPage(c, {
    title: (t) => t.governance.breaches.title,
    body: (t, csrf) => <BreachDetailPage t={t} locale={c.get("locale")} csrf={csrf} breach={breach} />,
    operatorConsole: true,
  });
});

breachPages.post("/admin/breaches/:breachId/edit", async (c) => {
  const id = breachIdOf(c);
  const form = await c.req.parseBody({ all: true });
  const checklist = form.checklist === undefined ? [] : [form.checklist].flat();
  const input = parseWith(EditFormSchema, { ...form, checklist });
  await updateBreachRecord(actOf(c), id, {
    risks: input.risks,
    remedialActions: input.remedialActions,
    contactPoint: input.contactPoint,
    checklist: Object.fromEntries(BREACH_CHECKLIST.map((item) => [item, input.checklist.includes(item)])),
  });
  return c.redirect(`/admin/breaches/${id}`, 303);
});

breachPages.post("/admin/breaches/:breachId/notify", async (c) => {
  const id = breachIdOf(c);
  const input = parseWith(NotifyFormSchema, await c.req.parseBody());
  await recordBreachNotification(actOf(c), id, input);
  return c.redirect(`/admin/breaches/${id}`, 303);
});

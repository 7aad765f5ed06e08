import { auditInsert } from "../audit/audit.service";
import { fetchMessageTemplates, type GraphTemplate } from "../integrations/whatsapp/message-templates";
import { CircuitOpenError, throughBreaker } from "../platform/circuit-breaker";
import type { TenantContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { decodeCursor, toPage } from "../platform/pagination";
import { ApiError } from "../platform/problem";
import { offersOptOut } from "./inbound";
import { accountOfTenant } from "./whatsapp-accounts.repo";
import { openCredential } from "./whatsapp-credentials";
import {
  deleteTemplatesSyncedBefore,
  listTemplates,
  upsertTemplates,
  type WhatsAppTemplateRow,
} from "./whatsapp-templates.repo";
import { TEMPLATE_CATEGORIES, type TemplateCategory, type TemplateStatus } from "./whatsapp-templates.schema";

const PROVIDER_TIMEOUT_MS = 10_000;

/**
 * Meta's review states folded to the four Dealix tells apart: only APPROVED may be sent. A template
 * being deleted at Meta is dropped from the registry (null); a state Meta adds later is not sendable.
 */
function statusOf(metaStatus: string): TemplateStatus | null {
  switch (metaStatus) {
    case "APPROVED":
      return "APPROVED";
    case "PENDING":
    case "IN_APPEAL":
      return "PENDING";
    case "PAUSED":
      return "PAUSED";
    case "DELETED":
    case "PENDING_DELETION":
      return null;
    default:
      return "REJECTED";
  }
}

// An unknown category is treated as marketing: the strictest (consent and an opt-out line).
const categoryOf = (metaCategory: string): TemplateCategory =>
  (TEMPLATE_CATEGORIES as readonly string[]).includes(metaCategory)
    ? (metaCategory as TemplateCategory)
    : "MARKETING";

/** How many distinct {{…}} placeholders a body has: a send must fill each one. */
export const variableCountOf = (body: string) =>
  new Set([...body.matchAll(/\{\{\s*([^{}\s]+)\s*\}\}/g)].map((match) => match[1])).size;

function rowOf(template: GraphTemplate, syncedAt: number): Omit<WhatsAppTemplateRow, "tenantId"> | null {
  const status = statusOf(template.status);
  if (!status) return null;
  const part = (type: string) => template.components.find((component) => component.type === type);
  const bodyText = part("BODY")?.text ?? "";
  return {
    id: newId(idPrefixes.whatsappTemplate),
    name: template.name,
    language: template.language,
    category: categoryOf(template.category),
    status,
    bodyText,
    footerText: part("FOOTER")?.text ?? null,
    variableCount: variableCountOf(bodyText),
    buttons: (part("BUTTONS")?.buttons ?? []).map((button) => ({
      type: String(button.type ?? ""),
      text: String(button.text ?? ""),
    })),
    syncedAt,
  };
}

/** A template's opt-out line: its footer or one of its buttons names an opt-out word. */
export const templateOffersOptOut = (template: Pick<WhatsAppTemplateRow, "footerText" | "buttons">) =>
  (template.footerText !== null && offersOptOut(template.footerText)) ||
  template.buttons.some((button) => offersOptOut(button.text));

export const templateView = (row: WhatsAppTemplateRow) => ({
  id: row.id,
  name: row.name,
  language: row.language,
  category: row.category,
  status: row.status,
  body: row.bodyText,
  footer: row.footerText,
  variableCount: row.variableCount,
  buttons: row.buttons,
  hasOptOut: templateOffersOptOut(row),
  syncedAt: new Date(row.syncedAt).toISOString(),
});

/**
 * Replaces the tenant's template registry with what Meta reports for the number's WhatsApp
 * Business Account: one read, the Graph API through the `whatsapp` breaker, one write batch (the
 * audit row, the upserts, the removal of templates Meta no longer has).
 */
export async function syncTemplates(ctx: TenantContext) {
  const { scope, config, now } = ctx;
  const [[account]] = await scope.read(() => [accountOfTenant(scope)] as const);
  if (!account)
    throw new ApiError("WHATSAPP_NOT_CONNECTED", "Connect a WhatsApp number in the settings first.");
  const businessAccountId = account.businessAccountId;
  if (!businessAccountId) {
    throw new ApiError(
      "WHATSAPP_NOT_CONNECTED",
      "The connected number has no WhatsApp Business Account id, which owns its templates: connect it again with businessAccountId.",
    );
  }
  const accessToken = await openCredential(config, account, "access_token");
  let result: Awaited<ReturnType<typeof fetchMessageTemplates>>;
  try {
    result = await throughBreaker(
      ctx.env.CIRCUIT_BREAKER,
      "whatsapp",
      (signal) =>
        fetchMessageTemplates(
          { businessAccountId, accessToken },
          { graphVersion: config.WHATSAPP_GRAPH_VERSION, signal, origin: config.WHATSAPP_API_ORIGIN },
        ),
      { timeoutMs: PROVIDER_TIMEOUT_MS },
    );
  } catch (error) {
    const retryAfter = error instanceof CircuitOpenError ? error.retryAfterSeconds : 30;
    throw new ApiError("UNAVAILABLE", "Meta's template list could not be read now. Try again shortly.", {
      headers: { "Retry-After": String(retryAfter) },
    });
  }
  if (!result.ok) {
    throw new ApiError(
      "CONFLICT",
      `Meta refused to list the templates (${result.reason}): check the number's access token and business account id.`,
    );
  }
  const rows = result.templates.flatMap((template) => rowOf(template, now) ?? []);
  // Upserts keep each template's id; what the sync did not refresh is gone at Meta.
  const written = await scope.write([
    auditInsert(
      scope.db,
      {
        tenantId: scope.tenantId,
        actor: ctx.actor,
        action: "whatsapp.templates_synced",
        details: { templates: rows.length },
      },
      ctx.origin,
      now,
    ),
    ...upsertTemplates(scope, rows),
    deleteTemplatesSyncedBefore(scope, now),
  ]);
  const removed = written.at(-1) as { id: string }[];
  const count = (status: TemplateStatus) => rows.filter((row) => row.status === status).length;
  return {
    syncedAt: new Date(now).toISOString(),
    total: rows.length,
    approved: count("APPROVED"),
    pending: count("PENDING"),
    rejected: count("REJECTED"),
    paused: count("PAUSED"),
    removed: removed.length,
  };
}

/** The tenant's templates by name; approved ones unless `status` says otherwise. */
export async function templatesOf(
  ctx: TenantContext,
  query: { status: TemplateStatus | "ALL"; cursor?: string | undefined; limit: number },
) {
  const after = query.cursor ? decodeCursor(query.cursor, "string") : null;
  const [rows] = await ctx.scope.read(
    () =>
      [listTemplates(ctx.scope, query.status === "ALL" ? null : query.status, after, query.limit)] as const,
  );
  const page = toPage(rows, query.limit, (row) => ({ sort: row.name, id: row.id }));
  return { data: page.data.map(templateView), nextCursor: page.nextCursor };
}

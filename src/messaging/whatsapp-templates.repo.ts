import { and, asc, eq, lt, sql } from "drizzle-orm";
import { type CursorPosition, continuingAfter } from "../platform/pagination";
import type { TenantScope } from "../platform/tenant-scope";
import { type TemplateStatus, whatsappTemplates } from "./whatsapp-templates.schema";

export type WhatsAppTemplateRow = typeof whatsappTemplates.$inferSelect;

// D1 binds at most 100 parameters per statement; a template row takes 11.
const ROWS_PER_INSERT = 9;

/** Stores the templates Meta reported, replacing each name and language's previous copy. */
export function upsertTemplates(scope: TenantScope, rows: Omit<WhatsAppTemplateRow, "tenantId">[]) {
  const statements = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    statements.push(
      scope.db
        .insert(whatsappTemplates)
        .values(
          rows.slice(start, start + ROWS_PER_INSERT).map((row) => ({ ...row, tenantId: scope.tenantId })),
        )
        .onConflictDoUpdate({
          target: [whatsappTemplates.tenantId, whatsappTemplates.name, whatsappTemplates.language],
          set: {
            category: sql`excluded.category`,
            status: sql`excluded.status`,
            bodyText: sql`excluded.body_text`,
            footerText: sql`excluded.footer_text`,
            variableCount: sql`excluded.variable_count`,
            buttons: sql`excluded.buttons`,
            syncedAt: sql`excluded.synced_at`,
          },
        }),
    );
  }
  return statements;
}

/** Templates a sync did not see again: deleted at Meta, so no longer sendable. */
export const deleteTemplatesSyncedBefore = (scope: TenantScope, syncedAt: number) =>
  scope.db
    .delete(whatsappTemplates)
    .where(scope.where(whatsappTemplates.tenantId, lt(whatsappTemplates.syncedAt, syncedAt)))
    .returning({ id: whatsappTemplates.id });

/** The tenant's templates by name, optionally of one status. */
export const listTemplates = (
  scope: TenantScope,
  status: TemplateStatus | null,
  after: CursorPosition | null,
  limit: number,
) =>
  scope.db
    .select()
    .from(whatsappTemplates)
    .where(
      scope.where(
        whatsappTemplates.tenantId,
        status ? eq(whatsappTemplates.status, status) : undefined,
        continuingAfter(whatsappTemplates.name, whatsappTemplates.id, after, "asc"),
      ),
    )
    .orderBy(asc(whatsappTemplates.name), asc(whatsappTemplates.id))
    .limit(limit + 1);

/** The registry's copy of one template, for the send's checks. */
export const templateNamed = (scope: TenantScope, name: string, language: string) =>
  scope.db
    .select()
    .from(whatsappTemplates)
    .where(
      scope.where(
        whatsappTemplates.tenantId,
        and(eq(whatsappTemplates.name, name), eq(whatsappTemplates.language, language)),
      ),
    )
    .limit(1);

import type { z } from "@hono/zod-openapi";
import { auditInsert } from "../audit/audit.service";
import type { CustomValues } from "../contacts/contacts.schema";
import { ownerChoiceErrors, visibleRecords } from "../crm/visibility";
import { customFilterConditions } from "../custom-fields/custom-field-filter";
import { customFieldDefinitionsFor } from "../custom-fields/custom-fields.repo";
import { applyCustomValues, checkCustomValues } from "../custom-fields/custom-values";
import { membershipOf } from "../members/members.repo";
import type { TenantContext } from "../platform/context";
import { isUniqueViolation } from "../platform/errors";
import { idPrefixes, newId } from "../platform/ids";
import { decodeCursor, toPage } from "../platform/pagination";
import { ApiError, type FieldError } from "../platform/problem";
import { normaliseText } from "../platform/text-normalise";
import { expectedVersion, isStaleVersionError, versionMismatch } from "../platform/versioning";
import type {
  CompanyListQuerySchema,
  CreateCompanyInputSchema,
  UpdateCompanyInputSchema,
} from "./companies.model";
import {
  type CompanyRow,
  companyById,
  companyMatches,
  insertCompany,
  listCompanies,
  updateCompany,
} from "./companies.repo";
import { companies } from "./companies.schema";

type CreateCompanyInput = z.infer<typeof CreateCompanyInputSchema>;
type UpdateCompanyInput = z.infer<typeof UpdateCompanyInputSchema>;

export const companyView = (row: CompanyRow) => ({
  id: row.id,
  name: row.name,
  vatNumber: row.vatNumber,
  crNumber: row.crNumber,
  nationalAddress: row.nationalAddress ?? null,
  website: row.website,
  ownerId: row.ownerId,
  contactCount: row.contactCount,
  custom: row.custom ?? {},
  createdAt: new Date(row.createdAt).toISOString(),
  updatedAt: new Date(row.updatedAt).toISOString(),
  version: row.version,
});

const notFound = () => new ApiError("NOT_FOUND", "No such company.");
const invalid = (errors: FieldError[]) =>
  new ApiError("VALIDATION_FAILED", "Some fields are not valid; nothing was saved.", { errors });
const vatTaken = () =>
  invalid([
    { path: "vatNumber", code: "duplicate_vat", message: "Another company already has this VAT number." },
  ]);

export type CompanyView = ReturnType<typeof companyView>;

/** A page of the companies the caller may see; `customFilters` are the `custom.<key>` parameters. */
export async function listCompaniesFor(
  ctx: TenantContext,
  query: z.infer<typeof CompanyListQuerySchema>,
  customFilters: Record<string, string> = {},
) {
  const after = query.cursor ? decodeCursor(query.cursor, "string") : null;
  const conditions = [companyMatches(ctx.scope, query.q)];
  if (Object.keys(customFilters).length > 0) {
    // A custom-field filter depends on the field's type: its definition is read first.
    const [definitions] = await ctx.scope.read(
      () => [customFieldDefinitionsFor(ctx.scope, "company")] as const,
    );
    conditions.push(customFilterConditions(companies.custom, definitions, customFilters));
  }
  const [rows] = await ctx.scope.read(
    () =>
      [
        listCompanies(
          ctx.scope,
          { ownerId: query.ownerId, conditions },
          visibleRecords(ctx, companies.ownerId),
          after,
          query.limit,
        ),
      ] as const,
  );
  const page = toPage(rows, query.limit, (row) => ({ sort: row.nameNorm, id: row.id }));
  return { data: page.data.map(companyView), nextCursor: page.nextCursor };
}

export async function getCompany(ctx: TenantContext, id: string) {
  const [[row]] = await ctx.scope.read(
    () => [companyById(ctx.scope, id, visibleRecords(ctx, companies.ownerId))] as const,
  );
  if (!row) throw notFound();
  return companyView(row);
}

export async function createCompany(ctx: TenantContext, input: CreateCompanyInput) {
  const { scope, now } = ctx;
  const errors = ownerChoiceErrors(ctx, input.ownerId, "companies");
  if (errors.length > 0) throw invalid(errors);
  const ownerId =
    input.ownerId === undefined
      ? ctx.principal.kind === "user"
        ? ctx.principal.userId
        : null
      : input.ownerId;
  const [owner, definitions] = await scope.read(
    () => [membershipOf(scope, ownerId ?? ""), customFieldDefinitionsFor(scope, "company")] as const,
  );
  if (ownerId && owner.length === 0) {
    errors.push({
      path: "ownerId",
      code: "not_a_member",
      message: "The owner must be a member of this team.",
    });
  }
  const custom = checkCustomValues(definitions, input.custom, { partial: false });
  errors.push(...custom.errors);
  if (errors.length > 0) throw invalid(errors);
  const id = newId(idPrefixes.company);
  try {
    await scope.write([
      insertCompany(scope, {
        id,
        name: input.name,
        nameNorm: normaliseText(input.name),
        vatNumber: input.vatNumber ?? null,
        crNumber: input.crNumber ?? null,
        nationalAddress: input.nationalAddress ?? null,
        website: input.website ?? null,
        ownerId,
        custom: custom.values as CustomValues,
        createdBy: ctx.actor.id,
        createdAt: now,
        updatedAt: now,
      }),
      auditInsert(
        scope.db,
        {
          tenantId: scope.tenantId,
          actor: ctx.actor,
          action: "company.created",
          target: { type: "company", id },
        },
        ctx.origin,
        now,
      ),
    ]);
  } catch (error) {
    if (isUniqueViolation(error)) throw vatTaken();
    throw error;
  }
  return getCompany(ctx, id);
}

export async function updateCompanyFor(
  ctx: TenantContext,
  id: string,
  ifMatch: string | undefined,
  input: UpdateCompanyInput,
) {
  const { scope, now } = ctx;
  const errors = ownerChoiceErrors(ctx, input.ownerId, "companies");
  if (errors.length > 0) throw invalid(errors);
  const visible = () => visibleRecords(ctx, companies.ownerId);
  const [[current], owner, definitions] = await scope.read(
    () =>
      [
        companyById(scope, id, visible()),
        membershipOf(scope, input.ownerId ?? ""),
        customFieldDefinitionsFor(scope, "company"),
      ] as const,
  );
  if (!current) throw notFound();
  // Existence first: a record the caller cannot see is a 404 whatever the precondition says.
  const version = expectedVersion(ifMatch);
  if (input.ownerId && owner.length === 0) {
    errors.push({
      path: "ownerId",
      code: "not_a_member",
      message: "The owner must be a member of this team.",
    });
  }
  const custom =
    input.custom === undefined
      ? undefined
      : checkCustomValues(definitions, input.custom, { partial: true, current: current.custom });
  errors.push(...(custom?.errors ?? []));
  if (errors.length > 0) throw invalid(errors);
  if (current.version !== version) throw versionMismatch(current.version);
  try {
    await scope.write([
      updateCompany(
        scope,
        id,
        version,
        {
          ...(input.name !== undefined ? { name: input.name, nameNorm: normaliseText(input.name) } : {}),
          ...(input.vatNumber !== undefined ? { vatNumber: input.vatNumber } : {}),
          ...(input.crNumber !== undefined ? { crNumber: input.crNumber } : {}),
          ...(input.nationalAddress !== undefined ? { nationalAddress: input.nationalAddress } : {}),
          ...(input.website !== undefined ? { website: input.website } : {}),
          ...(input.ownerId !== undefined ? { ownerId: input.ownerId } : {}),
          ...(custom ? { custom: applyCustomValues(current.custom, custom.values) } : {}),
          updatedAt: now,
        },
        visible(),
      ),
      auditInsert(
        scope.db,
        {
          tenantId: scope.tenantId,
          actor: ctx.actor,
          action: "company.updated",
          target: { type: "company", id },
          details: { fields: Object.keys(input).sort().join(" ") },
        },
        ctx.origin,
        now,
      ),
    ]);
  } catch (error) {
    if (isUniqueViolation(error)) throw vatTaken();
    if (isStaleVersionError(error)) {
      const [[row]] = await scope.read(() => [companyById(scope, id, visible())] as const);
      throw row ? versionMismatch(row.version) : notFound();
    }
    throw error;
  }
  return getCompany(ctx, id);
}

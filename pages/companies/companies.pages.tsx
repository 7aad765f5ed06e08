import { type Context, Hono } from "hono";
import {
  CompanyListQuerySchema,
  CreateCompanyInputSchema,
  UpdateCompanyInputSchema,
} from "../../src/companies/companies.model";
import { type CompanyView, createCompany, updateCompanyFor } from "../../src/companies/companies.service";
import { companiesListWorkspace, companyWorkspace } from "../../src/companies/company-workspace";
import { customFieldDefinitionsFor } from "../../src/custom-fields/custom-fields.repo";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { isId } from "../../src/platform/ids";
import { ApiError } from "../../src/platform/problem";
import { hasRole } from "../../src/platform/roles";
import { etagOf } from "../../src/platform/versioning";
import { postedCustomValues } from "../custom-fields/custom-field-inputs";
import type { Dictionary } from "../i18n";
import { renderPage } from "../render";
import { formValues, parseWith } from "../session/forms";
import { requireSignedIn, signedInUser } from "../session/page-session";
import { CompaniesListPage } from "./companies.views";
import { CompanyPage } from "./company.views";
import {
  COMPANY_FIELDS,
  type CompanyFormState,
  companyFormErrors,
  companyFormValues,
  companyInput,
} from "./company-form";

const LIST_SIZE = 50;
/** How many of a company's contacts and deals its page lists. */
const RELATED_SIZE = 20;

export const companiesPages = new Hono<AppEnv>();
for (const path of ["/companies", "/companies/*"]) companiesPages.use(path, requireSignedIn());

const canAssign = (c: Context<AppEnv>) => hasRole(signedInUser(c).role, "manager");

/** The tenant's company fields (archived ones too: their stored values are still shown). */
async function companyFields(c: Context<AppEnv>) {
  const { scope } = tenantOf(c);
  const [definitions] = await scope.read(() => [customFieldDefinitionsFor(scope, "company")] as const);
  return definitions;
}

/** The posted form: its text fields, and its custom field inputs typed for the API and as typed. */
async function postedForm(c: Context<AppEnv>, extra: string[] = []) {
  const values = await formValues(c, [...COMPANY_FIELDS, ...extra]);
  return { values, ...(await postedCustomValues(c, await companyFields(c))) };
}

/** A refused form shown again: what was typed, and each error under its field. */
const refusedForm =
  (error: ApiError, values: Record<string, string>, customText: Record<string, string | string[]>) =>
  (t: Dictionary): CompanyFormState => ({
    values,
    customValues: customText,
    customErrors: error.errors ?? [],
    errors: companyFormErrors(t, error),
    error: t.companies.invalid,
  });

async function renderList(
  c: Context<AppEnv>,
  form: (t: Dictionary) => CompanyFormState,
  status: 200 | 422 = 200,
) {
  const q = c.req.query("q")?.trim() || undefined;
  // A search or cursor typed badly shows the whole list rather than an error page.
  const parsed = CompanyListQuerySchema.safeParse({ q, cursor: c.req.query("cursor"), limit: LIST_SIZE });
  const query = parsed.success ? parsed.data : CompanyListQuerySchema.parse({ limit: LIST_SIZE });
  const list = await companiesListWorkspace(tenantOf(c), query);
  return renderPage(c, {
    title: (t) => t.companies.title,
    body: (t, csrf) => (
      <CompaniesListPage
        t={t}
        locale={c.get("locale")}
        timeZone={signedInUser(c).tenantTimeZone}
        csrf={csrf}
        members={list.members}
        definitions={list.definitions}
        companies={list.companies}
        nextCursor={list.nextCursor}
        q={query.q}
        canAssign={canAssign(c)}
        form={form(t)}
      />
    ),
    status,
  });
}

companiesPages.get("/companies", (c) => renderList(c, () => ({})));

companiesPages.post("/companies", async (c) => {
  const { values, custom, customText } = await postedForm(c);
  try {
    const input = parseWith(CreateCompanyInputSchema, { ...companyInput(values, false), custom });
    const company = await createCompany(tenantOf(c), input);
    return c.redirect(`/companies/${company.id}?created=1`, 303);
  } catch (error) {
    if (error instanceof ApiError && error.code === "VALIDATION_FAILED") {
      return renderList(c, refusedForm(error, values, customText), 422);
    }
    throw error;
  }
});

async function renderCompany(
  c: Context<AppEnv>,
  id: string,
  form: (t: Dictionary, company: CompanyView) => CompanyFormState,
  status: 200 | 412 | 422 = 200,
) {
  const {
    company,
    members: memberList,
    definitions,
    ...relations
  } = await companyWorkspace(tenantOf(c), id, RELATED_SIZE);
  c.header("ETag", etagOf(company.version));
  return renderPage(c, {
    title: () => company.name,
    body: (t, csrf) => {
      const state = form(t, company);
      return (
        <CompanyPage
          t={t}
          locale={c.get("locale")}
          timeZone={signedInUser(c).tenantTimeZone}
          csrf={csrf}
          members={memberList}
          definitions={definitions}
          company={company}
          relations={relations}
          canAssign={canAssign(c)}
          form={state}
          formValues={state.values ?? companyFormValues(company)}
        />
      );
    },
    status,
  });
}

const companyIdOf = (c: Context<AppEnv>) => {
  const id = c.req.param("companyId") ?? "";
  if (!isId("com", id)) throw new ApiError("NOT_FOUND");
  return id;
};

companiesPages.get("/companies/:companyId", (c) =>
  renderCompany(c, companyIdOf(c), (t) => ({
    notice: c.req.query("created") ? t.companies.created_ : undefined,
  })),
);

companiesPages.post("/companies/:companyId", async (c) => {
  const id = companyIdOf(c);
  const { values, custom, customText } = await postedForm(c, ["version"]);
  try {
    const input = parseWith(UpdateCompanyInputSchema, { ...companyInput(values, true), custom });
    await updateCompanyFor(tenantOf(c), id, `"${values.version}"`, input);
    return renderCompany(c, id, (t) => ({ notice: t.companies.saved }));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.code === "VERSION_MISMATCH") {
      return renderCompany(c, id, (t) => ({ error: t.companies.stale }), 412);
    }
    if (error.code === "VALIDATION_FAILED" || error.code === "INVALID_HEADER") {
      return renderCompany(c, id, refusedForm(error, values, customText), 422);
    }
    throw error;
  }
});

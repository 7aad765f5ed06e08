import { z } from "@hono/zod-openapi";
import { type Context, Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { dbFor } from "../../src/db/client";
import { tenantOf } from "../../src/platform/access";
import { type AppEnv, requestContext } from "../../src/platform/context";
import { isId } from "../../src/platform/ids";
import { ApiError } from "../../src/platform/problem";
import { clientIp } from "../../src/platform/rate-limit";
import { EmailSchema, MobilePhoneSchema, PersonNameSchema } from "../../src/platform/schemas";
import { tenantScope } from "../../src/platform/tenant-scope";
import { privacyRequestById } from "../../src/privacy-requests/privacy-requests.repo";
import { PRIVACY_REQUEST_TYPES } from "../../src/privacy-requests/privacy-requests.schema";
import {
  COPY_TTL_MS,
  completePrivacyRequest,
  extendPrivacyRequest,
  listRequests,
  openPrivacyRequest,
  refusePrivacyRequest,
  requestDetail,
  staffCopy,
  startPrivacyRequest,
} from "../../src/privacy-requests/privacy-requests.service";
import {
  openPublicPrivacyRequest,
  type PublicContext,
  publicCopy,
  publicTenant,
  verifyPrivacyRequest,
  verifyPublicPrivacyRequest,
} from "../../src/privacy-requests/privacy-requests.verification";
import { dictionaryFor } from "../i18n";
import { renderPage } from "../render";
import { formValues } from "../session/forms";
import { requireManager, requireSignedIn, signedInUser } from "../session/page-session";
import {
  CopyPage,
  type PublicRequestField,
  type PublicRequestFormState,
  PublicRequestPage,
  RequestDetailPage,
  RequestsListPage,
  VerifiedPage,
  VerifyCodePage,
} from "./privacy-requests.views";

/**
 * Privacy requests (PDPL): the tenant's public page where a person asks and proves who they are,
 * and the staff pages that list and answer requests.
 */
export const privacyRequestPages = new Hono<AppEnv>();

const COPY_COOKIE = "dlx_privacy_copy";
const FIELDS: PublicRequestField[] = ["type", "name", "phone", "email", "details"];

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

/** The public form, checked with the API's shared field schemas. */
const PublicRequestFormSchema = z
  .object({
    type: z.enum(PRIVACY_REQUEST_TYPES),
    name: PersonNameSchema,
    phone: optional(MobilePhoneSchema),
    email: optional(EmailSchema),
    details: optional(z.string().trim().min(1).max(2000)),
  })
  .refine((form) => form.phone !== undefined || form.email !== undefined, { path: ["phone"] });

function publicContext(c: Context<AppEnv>): PublicContext {
  const base = requestContext(c);
  return {
    db: base.db,
    config: base.config,
    env: base.env,
    origin: base.origin,
    clientIp: clientIp(c.req.raw),
    now: base.now,
    waitUntil: base.waitUntil,
  };
}

/** The tenant named in the path, or the ordinary 404 page. */
async function tenantFromPath(c: Context<AppEnv>) {
  const tenantId = c.req.param("tenantId") ?? "";
  if (!isId("ten", tenantId)) throw new ApiError("NOT_FOUND");
  const tenant = await publicTenant(dbFor(c.env.DB), tenantId);
  return {
    tenantId,
    name: c.get("locale") === "ar" ? tenant.nameAr : tenant.nameEn,
    scope: tenantScope(dbFor(c.env.DB), tenantId),
  };
}

const requestIdFromPath = (c: Context<AppEnv>) => {
  const id = c.req.param("requestId") ?? "";
  if (!isId("dsr", id)) throw new ApiError("NOT_FOUND");
  return id;
};

const publicForm = (
  c: Context<AppEnv>,
  tenant: { tenantId: string; name: string },
  form: PublicRequestFormState,
  status: 200 | 422 = 200,
) =>
  renderPage(c, {
    title: (t) => t.privacyRequests.publicTitle.replace("{tenant}", tenant.name),
    body: (t, csrf) => (
      <PublicRequestPage t={t} csrf={csrf} tenantId={tenant.tenantId} tenantName={tenant.name} form={form} />
    ),
    status,
  });

// Staff pages first: /privacy/requests would otherwise read as a tenant id.
const staffPaths = ["/privacy/requests", "/privacy/requests/*"];
for (const path of staffPaths) privacyRequestPages.use(path, requireSignedIn(), requireManager());

const PAGE_SIZE = 20;

const listPage = async (c: Context<AppEnv>, form: PublicRequestFormState, status: 200 | 422 = 200) => {
  const ctx = tenantOf(c);
  const cursor = c.req.query("cursor");
  const list = (at: string | undefined) => listRequests(ctx, at, PAGE_SIZE);
  const page = await list(cursor && cursor.length <= 512 ? cursor : undefined).catch((error) => {
    if (cursor && error instanceof ApiError && error.code === "VALIDATION_FAILED") return list(undefined);
    throw error;
  });
  return renderPage(c, {
    title: (t) => t.privacyRequests.title,
    body: (t, csrf) => (
      <RequestsListPage
        t={t}
        locale={c.get("locale")}
        timeZone={signedInUser(c).tenantTimeZone}
        csrf={csrf}
        requests={page.data}
        nextCursor={page.nextCursor}
        publicPath={`/privacy/${ctx.scope.tenantId}/request`}
        form={form}
      />
    ),
    status,
  });
};

privacyRequestPages.get("/privacy/requests", (c) => listPage(c, { values: {}, invalid: [] }));

privacyRequestPages.post("/privacy/requests", async (c) => {
  const values = (await formValues(c, FIELDS)) as Record<PublicRequestField, string>;
  const parsed = PublicRequestFormSchema.safeParse(values);
  if (!parsed.success) {
    const invalid = FIELDS.filter((field) => parsed.error.issues.some((issue) => issue.path[0] === field));
    return listPage(c, { values, invalid }, 422);
  }
  const request = await openPrivacyRequest(tenantOf(c), {
    type: parsed.data.type,
    requesterName: parsed.data.name,
    phone: parsed.data.phone,
    email: parsed.data.email,
    details: parsed.data.details,
  });
  return c.redirect(`/privacy/requests/${request.id}`, 303);
});

const detailPage = async (
  c: Context<AppEnv>,
  id: string,
  flash: { notice?: string; error?: string } = {},
  status: 200 | 409 | 422 = 200,
) => {
  const request = await requestDetail(tenantOf(c), id);
  return renderPage(c, {
    title: (t) => `${t.privacyRequests.title} · ${t.privacyRequests.types[request.type]}`,
    body: (t, csrf) => (
      <RequestDetailPage
        t={t}
        locale={c.get("locale")}
        timeZone={signedInUser(c).tenantTimeZone}
        csrf={csrf}
        request={request}
        notice={flash.notice}
        error={flash.error}
      />
    ),
    status,
  });
};

privacyRequestPages.get("/privacy/requests/:requestId", (c) =>
  detailPage(c, requestIdFromPath(c), c.req.query("done") === "1" ? { notice: "✓" } : {}),
);

/** Staff actions from the detail page: a refused input shows the page again with why. */
const staffAction =
  (
    run: (c: Context<AppEnv>, id: string, form: Record<string, string>) => Promise<unknown>,
    names: string[],
  ) =>
  async (c: Context<AppEnv>) => {
    const id = requestIdFromPath(c);
    const form = await formValues(c, names);
    try {
      await run(c, id, form);
    } catch (error) {
      if (error instanceof ApiError && (error.code === "VALIDATION_FAILED" || error.code === "CONFLICT")) {
        const p = dictionaryFor(c.get("locale")).privacyRequests;
        return error.code === "CONFLICT"
          ? detailPage(c, id, { error: p.conflict }, 409)
          : detailPage(c, id, { error: p.invalid }, 422);
      }
      throw error;
    }
    return c.redirect(`/privacy/requests/${id}?done=1`, 303);
  };

privacyRequestPages.post(
  "/privacy/requests/:requestId/verify",
  staffAction(
    (c, id, form) =>
      verifyPrivacyRequest(
        tenantOf(c),
        id,
        form.method === "code"
          ? { method: "code", code: /^\d{6}$/.test(form.code ?? "") ? (form.code as string) : invalidForm() }
          : { method: "in_person", reason: reasonOf(form) },
      ),
    ["method", "code", "reason"],
  ),
);
privacyRequestPages.post(
  "/privacy/requests/:requestId/extend",
  staffAction(
    (c, id, form) => {
      const days = Number(form.days);
      if (!Number.isInteger(days) || days < 1 || days > 30) invalidForm();
      return extendPrivacyRequest(tenantOf(c), id, { days, reason: reasonOf(form) });
    },
    ["days", "reason"],
  ),
);
privacyRequestPages.post(
  "/privacy/requests/:requestId/refuse",
  staffAction((c, id, form) => refusePrivacyRequest(tenantOf(c), id, reasonOf(form)), ["reason"]),
);
privacyRequestPages.post(
  "/privacy/requests/:requestId/start",
  staffAction((c, id) => startPrivacyRequest(tenantOf(c), id), []),
);
privacyRequestPages.post(
  "/privacy/requests/:requestId/complete",
  staffAction(
    (c, id, form) => {
      const corrections = {
        ...(form.name ? { name: form.name } : {}),
        ...(form.email ? { email: parseOr(EmailSchema, form.email) } : {}),
      };
      return completePrivacyRequest(
        tenantOf(c),
        id,
        Object.keys(corrections).length > 0 ? { corrections } : {},
      );
    },
    ["name", "email"],
  ),
);

function invalidForm(): never {
  throw new ApiError("VALIDATION_FAILED", "The form has invalid fields.");
}
const reasonOf = (form: Record<string, string>) => {
  const reason = form.reason ?? "";
  return reason.length >= 5 && reason.length <= 1000 ? reason : invalidForm();
};
const parseOr = <T extends z.ZodType>(schema: T, value: unknown): z.output<T> => {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : invalidForm();
};

const jsonDownload = (c: Context<AppEnv>, copy: unknown, name: string) =>
  c.body(JSON.stringify(copy, null, 2), 200, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Disposition": `attachment; filename="${name}.json"`,
    "Cache-Control": "no-store",
  });

privacyRequestPages.get("/privacy/requests/:requestId/copy.json", async (c) => {
  const id = requestIdFromPath(c);
  return jsonDownload(c, await staffCopy(tenantOf(c), id), `personal-data-${id}`);
});

privacyRequestPages.get("/privacy/requests/:requestId/copy", async (c) => {
  const copy = await staffCopy(tenantOf(c), requestIdFromPath(c));
  return renderPage(c, {
    title: (t) => t.privacyRequests.copyTitle,
    body: (t) => <CopyPage t={t} locale={c.get("locale")} copy={copy} />,
  });
});

// The public pages --------------------------------------------------------------------------------

privacyRequestPages.get("/privacy/:tenantId/request", async (c) => {
  const tenant = await tenantFromPath(c);
  return publicForm(c, tenant, { values: {}, invalid: [] });
});

privacyRequestPages.post("/privacy/:tenantId/request", async (c) => {
  const tenant = await tenantFromPath(c);
  const values = (await formValues(c, FIELDS)) as Record<PublicRequestField, string>;
  const parsed = PublicRequestFormSchema.safeParse(values);
  if (!parsed.success) {
    const invalid = FIELDS.filter((field) => parsed.error.issues.some((issue) => issue.path[0] === field));
    return publicForm(c, tenant, { values, invalid }, 422);
  }
  const { id } = await openPublicPrivacyRequest(publicContext(c), tenant.scope, {
    type: parsed.data.type,
    requesterName: parsed.data.name,
    phone: parsed.data.phone,
    email: parsed.data.email,
    details: parsed.data.details,
  });
  return c.redirect(`/privacy/${tenant.tenantId}/request/${id}/verify`, 303);
});

const verifyForm = (c: Context<AppEnv>, tenantId: string, id: string, wrongCode: boolean) =>
  renderPage(c, {
    title: (t) => t.privacyRequests.verifyTitle,
    body: (t, csrf) => (
      <VerifyCodePage
        t={t}
        csrf={csrf}
        action={`/privacy/${tenantId}/request/${id}/verify`}
        wrongCode={wrongCode}
      />
    ),
    status: wrongCode ? 422 : 200,
  });

privacyRequestPages.get("/privacy/:tenantId/request/:requestId/verify", async (c) => {
  const tenant = await tenantFromPath(c);
  return verifyForm(c, tenant.tenantId, requestIdFromPath(c), false);
});

privacyRequestPages.post("/privacy/:tenantId/request/:requestId/verify", async (c) => {
  const tenant = await tenantFromPath(c);
  const id = requestIdFromPath(c);
  const { code = "" } = await formValues(c, ["code"]);
  let copyToken: string | null;
  try {
    if (!/^\d{6}$/.test(code)) invalidForm();
    ({ copyToken } = await verifyPublicPrivacyRequest(publicContext(c), tenant.scope, id, code));
  } catch (error) {
    // An unknown request fails like a wrong code: the page tells nobody which requests exist.
    if (error instanceof ApiError && (error.code === "VALIDATION_FAILED" || error.code === "NOT_FOUND")) {
      return verifyForm(c, tenant.tenantId, id, true);
    }
    throw error;
  }
  if (copyToken) {
    setCookie(c, COPY_COOKIE, copyToken, {
      path: `/privacy/${tenant.tenantId}`,
      maxAge: COPY_TTL_MS / 1000,
      sameSite: "Lax",
      httpOnly: true,
      secure: new URL(c.req.url).protocol === "https:",
    });
  }
  return c.redirect(`/privacy/${tenant.tenantId}/request/${id}/verified`, 303);
});

privacyRequestPages.get("/privacy/:tenantId/request/:requestId/verified", async (c) => {
  const tenant = await tenantFromPath(c);
  const id = requestIdFromPath(c);
  const [[row]] = await tenant.scope.db.batch([privacyRequestById(tenant.scope, id)]);
  if (!row || row.verifiedAt === null) throw new ApiError("NOT_FOUND");
  const hasCopy = row.type === "access" && getCookie(c, COPY_COOKIE) !== undefined;
  return renderPage(c, {
    title: (t) => t.privacyRequests.verifiedTitle,
    body: (t) => (
      <VerifiedPage
        t={t}
        locale={c.get("locale")}
        dueAt={row.dueAt}
        copyBase={hasCopy ? `/privacy/${tenant.tenantId}/copy` : null}
      />
    ),
  });
});

async function copyFromCookie(c: Context<AppEnv>) {
  const tenant = await tenantFromPath(c);
  const token = getCookie(c, COPY_COOKIE);
  if (!token || token.length > 200) throw new ApiError("NOT_FOUND");
  return publicCopy(publicContext(c), tenant.scope, token);
}

privacyRequestPages.get("/privacy/:tenantId/copy.json", async (c) =>
  jsonDownload(c, await copyFromCookie(c), "my-personal-data"),
);

privacyRequestPages.get("/privacy/:tenantId/copy", async (c) => {
  const copy = await copyFromCookie(c);
  return renderPage(c, {
    title: (t) => t.privacyRequests.copyTitle,
    body: (t) => <CopyPage t={t} locale={c.get("locale")} copy={copy} />,
  });
});

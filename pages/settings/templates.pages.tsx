import { type Context, Hono } from "hono";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { ApiError } from "../../src/platform/problem";
import {
  loadSampleData,
  removeSampleData,
  type SampleDataCounts,
} from "../../src/sample-data/sample-data.service";
import { templateByKey } from "../../src/templates/templates.catalogue";
import { applyTemplate, listTemplates } from "../../src/templates/templates.service";
import type { Dictionary } from "../i18n";
import { renderPage } from "../render";
import { requireManager, requireSignedIn } from "../session/page-session";
import { type TemplateApplicationResult, TemplatesPage } from "./templates.views";

/** Settings → templates and sample data (managers and owners). */
export const templateSettingsPages = new Hono<AppEnv>();

const managersOnly = requireManager();
for (const path of ["/settings/templates", "/settings/templates/*"]) {
  templateSettingsPages.use(path, requireSignedIn(), managersOnly);
}

interface PageState {
  result?: TemplateApplicationResult;
  notice?: string;
  error?: string;
}

async function renderTemplates(
  c: Context<AppEnv>,
  state: (t: Dictionary) => PageState,
  status: 200 | 409 = 200,
) {
  const templates = await listTemplates(tenantOf(c));
  return renderPage(c, {
    title: (t) => t.templates.title,
    body: (t, csrf) => (
      <TemplatesPage t={t} locale={c.get("locale")} csrf={csrf} templates={templates} {...state(t)} />
    ),
    status,
  });
}

const withCounts = (text: string, counts: SampleDataCounts) =>
  text.replace(/\{(\w+)\}/g, (_, name: keyof SampleDataCounts) => String(counts[name] ?? ""));

templateSettingsPages.get("/settings/templates", (c) => renderTemplates(c, () => ({})));

templateSettingsPages.post("/settings/templates/:templateKey/apply", async (c) => {
  const key = c.req.param("templateKey");
  if (!templateByKey(key)) throw new ApiError("NOT_FOUND");
  try {
    const result = await applyTemplate(tenantOf(c), key, c.get("locale"));
    return renderTemplates(c, () => ({ result }));
  } catch (error) {
    if (error instanceof ApiError && error.code === "CONFLICT") {
      return renderTemplates(c, (t) => ({ error: t.templates.conflict }), 409);
    }
    throw error;
  }
});

templateSettingsPages.post("/settings/templates/sample-data", async (c) => {
  try {
    const counts = await loadSampleData(tenantOf(c), c.get("locale"));
    return renderTemplates(c, (t) => ({ notice: withCounts(t.templates.sampleLoaded, counts) }));
  } catch (error) {
    if (error instanceof ApiError && error.code === "CONFLICT") {
      return renderTemplates(c, (t) => ({ error: t.templates.sampleAlready }), 409);
    }
    throw error;
  }
});

templateSettingsPages.post("/settings/templates/sample-data/remove", async (c) => {
  try {
    const counts = await removeSampleData(tenantOf(c));
    return renderTemplates(c, (t) => ({ notice: withCounts(t.templates.sampleRemoved, counts) }));
  } catch (error) {
    if (error instanceof ApiError && error.code === "CONFLICT") {
      return renderTemplates(c, (t) => ({ error: t.templates.sampleBlocked }), 409);
    }
    throw error;
  }
});

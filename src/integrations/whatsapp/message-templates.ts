/**
 * Reading a WhatsApp Business Account's message templates from the Graph API:
 * `GET /{waba-id}/message_templates`, paged by `paging.cursors.after`. The caller runs
 * `fetchMessageTemplates` through the `whatsapp` circuit breaker, as sends are.
 */
import { GRAPH_ORIGIN, ProviderUnavailableError, type Refused, reasonForCode } from "./cloud-api";

export interface GraphTemplateComponent {
  type?: string;
  format?: string;
  text?: string;
  buttons?: { type?: string; text?: string }[];
}

export interface GraphTemplate {
  name: string;
  language: string;
  category: string;
  status: string;
  components: GraphTemplateComponent[];
}

interface GraphPage {
  data?: unknown;
  paging?: { cursors?: { after?: string }; next?: string };
  error?: { code?: number; message?: string; error_user_title?: string };
}

const FIELDS = "name,language,category,status,components";
const PAGE_SIZE = 100;
/** Meta allows a verified business up to 6,000 templates: 60 pages. More means a paging loop. */
const MAX_PAGES = 60;

const isTemplate = (value: unknown): value is GraphTemplate => {
  const t = value as Partial<GraphTemplate> | null;
  return (
    typeof t?.name === "string" &&
    typeof t.language === "string" &&
    typeof t.category === "string" &&
    typeof t.status === "string"
  );
};

/**
 * Every template of the account. Resolves with them, or with Refused when Meta refuses the request
 * (bad token, unknown account); throws ProviderUnavailableError (or the fetch's abort) when trying
 * again later may work, which the breaker counts as a failure.
 */
export async function fetchMessageTemplates(
  credentials: { businessAccountId: string; accessToken: string },
  options: { graphVersion: string; signal: AbortSignal; origin?: string | undefined },
): Promise<{ ok: true; templates: GraphTemplate[] } | Refused> {
  const templates: GraphTemplate[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const url = new URL(
      `${options.origin ?? GRAPH_ORIGIN}/${options.graphVersion}/${encodeURIComponent(credentials.businessAccountId)}/message_templates`,
    );
    url.searchParams.set("fields", FIELDS);
    url.searchParams.set("limit", String(PAGE_SIZE));
    if (after) url.searchParams.set("after", after);
    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${credentials.accessToken}` },
      signal: options.signal,
    });
    let body: GraphPage | null = null;
    try {
      body = (await response.json()) as GraphPage;
    } catch {
      // A proxy's HTML error page: judged by the status alone below.
    }
    if (!response.ok) {
      const code = typeof body?.error?.code === "number" ? body.error.code : null;
      if (response.status === 429 || response.status >= 500) {
        throw new ProviderUnavailableError(`Graph API answered ${response.status}`);
      }
      return {
        ok: false,
        reason: code !== null ? reasonForCode(code) : `http_${response.status}`,
        code,
        title: (body?.error?.error_user_title ?? body?.error?.message ?? `HTTP ${response.status}`).slice(
          0,
          300,
        ),
      };
    }
    if (!Array.isArray(body?.data)) {
      throw new ProviderUnavailableError(`Graph API answered ${response.status} without a template list`);
    }
    for (const item of body.data) {
      if (isTemplate(item)) templates.push({ ...item, components: item.components ?? [] });
    }
    after = body.paging?.next ? (body.paging.cursors?.after ?? null) : null;
    if (!after) return { ok: true, templates };
  }
  throw new ProviderUnavailableError(`Graph API paged past ${MAX_PAGES} pages of templates`);
}

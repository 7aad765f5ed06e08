import { createRoute, z } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { PageQuerySchema, pageSchema } from "../platform/pagination";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonContent } from "../platform/router";
import { DateTimeSchema, idSchema } from "../platform/schemas";
import { TEMPLATE_CATEGORIES, TEMPLATE_STATUSES } from "./whatsapp-templates.schema";
import { syncTemplates, templatesOf } from "./whatsapp-templates.service";

const WhatsAppTemplateSchema = z
  .object({
    id: idSchema("wtp"),
    name: z.string(),
    language: z.string().openapi({ example: "ar" }),
    category: z.enum(TEMPLATE_CATEGORIES),
    status: z.enum(TEMPLATE_STATUSES),
    body: z.string().openapi({ example: "مرحباً {{1}}، موعد معاينتك {{2}}." }),
    footer: z.string().nullable(),
    variableCount: z.int().nonnegative().openapi({ description: "A send gives exactly this many variables" }),
    buttons: z.array(z.object({ type: z.string(), text: z.string() })),
    hasOptOut: z.boolean().openapi({
      description:
        "The footer or a button tells the reader how to stop (STOP, إيقاف …): a marketing send needs it",
    }),
    syncedAt: DateTimeSchema,
  })
  .openapi("WhatsAppTemplate", { description: "A message template as Meta last reported it" });

const TemplateSyncSchema = z
  .object({
    syncedAt: DateTimeSchema,
    total: z.int().nonnegative(),
    approved: z.int().nonnegative(),
    pending: z.int().nonnegative(),
    rejected: z.int().nonnegative(),
    paused: z.int().nonnegative(),
    removed: z.int().nonnegative().openapi({ description: "Templates Meta no longer has, removed" }),
  })
  .openapi("WhatsAppTemplateSync");

const TemplateListQuerySchema = PageQuerySchema.extend({
  status: z
    .enum([...TEMPLATE_STATUSES, "ALL"])
    .default("APPROVED")
    .openapi({ description: "Only templates in this review state; `ALL` for every one" }),
});

const syncRoute = createRoute({
  method: "post",
  path: "/whatsapp/templates/sync",
  tags: ["messages"],
  operationId: "syncWhatsAppTemplates",
  summary: "Read the number's message templates from Meta into the registry",
  description:
    "Reads every template of the connected number's WhatsApp Business Account from the Graph API (through the `whatsapp` circuit breaker) and replaces the registry with them; templates Meta no longer has are removed. Audited.",
  ...access({ role: "manager", scope: "messages:admin" }),
  responses: {
    200: { description: "Synced", ...jsonContent(TemplateSyncSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "WHATSAPP_NOT_CONNECTED", "CONFLICT", "UNAVAILABLE"),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/whatsapp/templates",
  tags: ["messages"],
  operationId: "listWhatsAppTemplates",
  summary: "The tenant's WhatsApp message templates, approved ones by default, by name",
  ...access({ role: "agent", scope: "messages:send" }),
  request: { query: TemplateListQuerySchema },
  responses: {
    200: { description: "A page of templates", ...jsonContent(pageSchema(WhatsAppTemplateSchema)) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

export const whatsappTemplatesApi = createRouter()
  .openapi(syncRoute, async (c) => c.json(await syncTemplates(tenantOf(c)), 200))
  .openapi(listRoute, async (c) => c.json(await templatesOf(tenantOf(c), c.req.valid("query")), 200));

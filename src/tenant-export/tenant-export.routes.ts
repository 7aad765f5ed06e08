import { createRoute, z } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent } from "../platform/router";
import { cancelClosureOf, closureOf, requestClosure } from "./tenant-closure";
import { tenantExport } from "./tenant-export.service";

const owners = access({ role: "owner" });

const ClosureSchema = z
  .object({
    status: z.enum(["active", "closing"]),
    closeRequestedAt: z.string().nullable(),
    deleteAfter: z.string().nullable().openapi({ description: "When the daily job deletes the data (UTC)." }),
  })
  .openapi("TenantClosure");

const exportRoute = createRoute({
  method: "get",
  path: "/tenant/export",
  tags: ["tenant"],
  operationId: "exportTenant",
  summary: "Everything the account holds, as a ZIP of one CSV and one JSON file per object",
  description:
    "Contacts, companies, deals and their stage history, activities and tasks, conversations, messages, consents, pipelines, custom fields, members, audit events and tax invoices. Streamed a page at a time (not a snapshot). Audited. Works while the account is read-only or closing.",
  ...owners,
  responses: {
    200: {
      description: "The ZIP archive",
      content: { "application/zip": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN"),
  },
});

const closureRoute = createRoute({
  method: "get",
  path: "/tenant/closure",
  tags: ["tenant"],
  operationId: "getTenantClosure",
  summary: "Whether the account is closing, and when its data will be deleted",
  ...owners,
  responses: {
    200: { description: "The closure state", ...jsonContent(ClosureSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN"),
  },
});

const closeRoute = createRoute({
  method: "post",
  path: "/tenant/close",
  tags: ["tenant"],
  operationId: "closeTenant",
  summary: "Close the account: read-only for a 30-day grace period, then its data is deleted",
  description:
    "Confirm by typing the account's name (Arabic or English). During the grace period the owner can export and cancel; afterwards the daily job deletes everything but tax invoices, billing records and the closure's audit trail. Audited.",
  ...owners,
  request: jsonBody(z.strictObject({ confirmName: z.string().min(1).max(200) }).openapi("CloseTenantInput")),
  responses: {
    200: { description: "The account is closing", ...jsonContent(ClosureSchema) },
    ...problemResponses("MALFORMED_REQUEST", "UNAUTHENTICATED", "FORBIDDEN", "CONFLICT", "VALIDATION_FAILED"),
  },
});

const cancelRoute = createRoute({
  method: "post",
  path: "/tenant/close/cancel",
  tags: ["tenant"],
  operationId: "cancelTenantClosure",
  summary: "Cancel the closure during its grace period; the account is writable again",
  ...owners,
  responses: {
    200: { description: "The account is active again", ...jsonContent(ClosureSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "CONFLICT"),
  },
});

export const tenantExportApi = createRouter()
  .openapi(exportRoute, async (c) => {
    const ctx = tenantOf(c);
    const day = new Date(ctx.now).toISOString().slice(0, 10);
    return new Response(await tenantExport(ctx), {
      status: 200,
      headers: {
        "Content-Type": "application/zip",
        "Content-Disposition": `attachment; filename="dealix-export-${day}.zip"`,
        "Cache-Control": "no-store",
      },
    });
  })
  .openapi(closureRoute, async (c) => c.json(await closureOf(tenantOf(c)), 200))
  .openapi(closeRoute, async (c) =>
    c.json(await requestClosure(tenantOf(c), c.req.valid("json").confirmName), 200),
  )
  .openapi(cancelRoute, async (c) => c.json(await cancelClosureOf(tenantOf(c)), 200));

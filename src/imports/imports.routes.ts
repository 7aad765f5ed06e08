import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { access, tenantOf } from "../platform/access";
import type { AppEnv } from "../platform/context";
import { IdempotencyKeyHeaderSchema, idempotency } from "../platform/idempotency";
import { PageQuerySchema, pageSchema } from "../platform/pagination";
import { ApiError, problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent, pathId } from "../platform/router";
import { MAX_IMPORT_BYTES, MAX_IMPORT_ROWS } from "./csv";
import {
  ImportErrorSchema,
  ImportErrorsQuerySchema,
  ImportMappingInputSchema,
  ImportSchema,
  UploadedImportSchema,
  UploadQuerySchema,
} from "./imports.model";
import {
  getImport,
  importErrors,
  listImportsFor,
  setMapping,
  startImport,
  uploadImport,
} from "./imports.service";

const readers = access({ role: "agent", scope: "crm:read" });
const writers = access({ role: "agent", scope: "crm:write" });
const importId = pathId("importId", "imp");
const VISIBILITY = "Agents see only the imports they started; managers, owners and API keys see all.";

export const CSV_MEDIA_TYPE = "text/csv";

/**
 * The upload's body guard, in place of the API's JSON-only guards (this route is mounted ahead of
 * them in app.tsx): text/csv only, at most MAX_IMPORT_BYTES, read as bytes before anything reads
 * it as text, so a Windows-1256 file reaches the decoder as it was sent.
 */
const csvBody = (): MiddlewareHandler<AppEnv> => {
  const limit = bodyLimit({
    maxSize: MAX_IMPORT_BYTES,
    onError: () => {
      throw new ApiError(
        "PAYLOAD_TOO_LARGE",
        `The file must be at most ${MAX_IMPORT_BYTES / 1024 / 1024} MB.`,
      );
    },
  });
  return async (c, next) => {
    const mediaType = c.req.header("Content-Type")?.split(";")[0]?.trim().toLowerCase();
    if (mediaType !== CSV_MEDIA_TYPE) {
      throw new ApiError(
        "UNSUPPORTED_MEDIA_TYPE",
        "Send the file as the request body, Content-Type: text/csv.",
        {
          headers: { "Accept-Post": CSV_MEDIA_TYPE },
        },
      );
    }
    return limit(c, async () => {
      const bytes = await c.req.arrayBuffer();
      // idempotency() hashes the body as text; hono would derive that text from these bytes as
      // UTF-8, which turns every Windows-1256 letter into U+FFFD (two different Arabic files
      // would hash alike). A byte-for-byte decoding keeps the hash faithful to what was sent.
      (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(
        new TextDecoder("latin1").decode(bytes),
      );
      await next();
    });
  };
};

const uploadRoute = createRoute({
  method: "post",
  path: "/imports",
  tags: ["imports"],
  operationId: "uploadImport",
  summary: "Upload a CSV of contacts; answers with a preview and a suggested column mapping",
  description: `The request body is the file itself (\`Content-Type: text/csv\`), at most ${MAX_IMPORT_BYTES / 1024 / 1024} MB and ${MAX_IMPORT_ROWS} rows (413 beyond). UTF-8 with or without BOM; a file that is not valid UTF-8 is read as Windows-1256 (what Arabic Excel saves) and \`encoding\` says so. The first row is the header (Arabic or English). Nothing is imported until the mapping is set and the import started. Honours \`Idempotency-Key\`.`,
  ...access({ role: "agent", scope: "crm:write" }, csvBody(), idempotency()),
  request: {
    headers: IdempotencyKeyHeaderSchema,
    query: UploadQuerySchema,
    body: {
      required: true,
      content: { [CSV_MEDIA_TYPE]: { schema: z.string().openapi({ format: "binary" }) } },
    },
  },
  responses: {
    201: { description: "Stored, not yet imported", ...jsonContent(UploadedImportSchema) },
    ...problemResponses(
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "IDEMPOTENCY_KEY_REUSED",
      "IDEMPOTENCY_IN_PROGRESS",
      "INVALID_HEADER",
      "PAYLOAD_TOO_LARGE",
      "UNSUPPORTED_MEDIA_TYPE",
      "VALIDATION_FAILED",
    ),
  },
});

const listImportsRoute = createRoute({
  method: "get",
  path: "/imports",
  tags: ["imports"],
  operationId: "listImports",
  summary: "Past imports, newest first, with their status and counters",
  description: VISIBILITY,
  ...readers,
  request: { query: PageQuerySchema },
  responses: {
    200: { description: "A page of imports", ...jsonContent(pageSchema(ImportSchema)) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

const getImportRoute = createRoute({
  method: "get",
  path: "/imports/{importId}",
  tags: ["imports"],
  operationId: "getImport",
  summary: "An import's status and progress counters",
  description: VISIBILITY,
  ...readers,
  request: { params: importId },
  responses: {
    200: { description: "The import", ...jsonContent(ImportSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

const mappingRoute = createRoute({
  method: "put",
  path: "/imports/{importId}/mapping",
  tags: ["imports"],
  operationId: "setImportMapping",
  summary: "Map CSV columns to contact fields and choose what happens to duplicates",
  description: `${VISIBILITY} Allowed until the import starts (409 after). A column must be mapped to \`name\`; a column may map to an active contact custom field (\`custom.<key>\`), whose cells are read as the field's type (numbers with Arabic-Indic digits, amounts in SAR, options by value or label). Unless \`duplicateAction\` is \`update\`, every active required custom field must be mapped.`,
  ...writers,
  request: { params: importId, ...jsonBody(ImportMappingInputSchema) },
  responses: {
    200: { description: "The import, mapped", ...jsonContent(ImportSchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "NOT_FOUND",
      "CONFLICT",
      "VALIDATION_FAILED",
    ),
  },
});

const startRoute = createRoute({
  method: "post",
  path: "/imports/{importId}/start",
  tags: ["imports"],
  operationId: "startImport",
  summary: "Start importing the rows in the background (a queue); poll the import for progress",
  description: `${VISIBILITY} Starting twice is harmless: the second call answers with the import as it is.`,
  ...writers,
  request: { params: importId },
  responses: {
    202: { description: "Queued (or already running or finished)", ...jsonContent(ImportSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "VALIDATION_FAILED"),
  },
});

const errorsRoute = createRoute({
  method: "get",
  path: "/imports/{importId}/errors",
  tags: ["imports"],
  operationId: "listImportErrors",
  summary: "The rows that could not be imported, with each field's error, by row number",
  description: `${VISIBILITY} Rows skipped as duplicates are counted in \`skippedCount\`, not listed here.`,
  ...readers,
  request: { params: importId, query: ImportErrorsQuerySchema },
  responses: {
    200: {
      description: "A page of rows with errors",
      ...jsonContent(z.object({ data: z.array(ImportErrorSchema), nextCursor: z.string().nullable() })),
    },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

/** The upload alone: app.tsx mounts it before the API's JSON body guards (it takes text/csv). */
export const importUploadApi = createRouter().openapi(uploadRoute, async (c) => {
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  const result = await uploadImport(tenantOf(c), bytes, c.req.valid("query").fileName ?? null);
  return c.json(result, 201);
});

export const importsApi = createRouter()
  .openapi(listImportsRoute, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    return c.json(await listImportsFor(tenantOf(c), cursor, limit), 200);
  })
  .openapi(getImportRoute, async (c) =>
    c.json(await getImport(tenantOf(c), c.req.valid("param").importId), 200),
  )
  .openapi(mappingRoute, async (c) =>
    c.json(await setMapping(tenantOf(c), c.req.valid("param").importId, c.req.valid("json")), 200),
  )
  .openapi(startRoute, async (c) =>
    c.json(await startImport(tenantOf(c), c.env.IMPORTS_QUEUE, c.req.valid("param").importId), 202),
  )
  .openapi(errorsRoute, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    return c.json(await importErrors(tenantOf(c), c.req.valid("param").importId, cursor, limit), 200);
  });

import { createRoute, z } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonContent } from "../platform/router";
import { DateTimeSchema } from "../platform/schemas";
import { RETENTION_TYPE_NAMES, type RetentionType } from "../retention/retention.policy";
import { tenantProcessingRecords } from "./privacy.service";

const Bilingual = z.object({ ar: z.string(), en: z.string() });

const SubProcessorSchema = z.object({
  id: z.string(),
  name: z.string(),
  outsideKingdom: z.boolean(),
  purpose: Bilingual,
  data: Bilingual,
  location: Bilingual,
  transferBasis: Bilingual,
});

const ProcessingRecordsSchema = z
  .object({
    generatedAt: DateTimeSchema,
    controller: z.object({ tenantId: z.string(), name: Bilingual }),
    processor: z.object({
      name: z.string(),
      contact: z.object({ email: z.string(), address: Bilingual }),
    }),
    activities: z.array(
      z.object({
        id: z.string(),
        purpose: Bilingual,
        subjects: Bilingual,
        data: Bilingual,
        legalBasis: Bilingual,
        recipients: z.array(z.string()),
        transfersOutsideKingdom: z.array(
          z.object({ recipient: z.string(), location: Bilingual, basis: Bilingual }),
        ),
      }),
    ),
    retention: z.array(
      z.object({
        type: z.enum(RETENTION_TYPE_NAMES as [RetentionType, ...RetentionType[]]),
        days: z.number().int(),
        action: z.enum(["delete", "anonymise"]),
      }),
    ),
    subProcessors: z.array(SubProcessorSchema),
  })
  .openapi("ProcessingRecords");

const recordsRoute = createRoute({
  method: "get",
  path: "/privacy/records",
  tags: ["privacy"],
  operationId: "getProcessingRecords",
  summary: "The tenant's record of processing activities (PDPL Art. 31) with the sub-processor register",
  description:
    "Generated from Dealix's configuration, the tenant's name and its retention periods: purposes, categories of data subjects and data, recipients, transfers outside the Kingdom with their basis, retention.",
  ...access({ role: "manager", scope: "crm:read" }),
  responses: {
    200: { description: "The record of processing", ...jsonContent(ProcessingRecordsSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN"),
  },
});

export const privacyApi = createRouter().openapi(recordsRoute, async (c) =>
  c.json(await tenantProcessingRecords(tenantOf(c)), 200),
);

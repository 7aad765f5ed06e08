import { z } from "@hono/zod-openapi";
import { DateTimeSchema, idSchema } from "../platform/schemas";

export const CrmSettingsSchema = z
  .object({
    visibility: z.enum(["own", "all"]).openapi({
      description: "`own`: agents see and edit only records they own; `all`: every member sees every record.",
    }),
    assignment: z.enum(["manual", "round_robin"]).openapi({
      description: "How leads created without an owner by managers, API keys and imports are assigned.",
    }),
    roundRobinAgentIds: z
      .array(idSchema("usr"))
      .openapi({ description: "The members round-robin deals new leads to, in turn." }),
    updatedAt: DateTimeSchema.nullable(),
  })
  .openapi("CrmSettings");

export const UpdateCrmSettingsInputSchema = z
  .strictObject({
    visibility: z.enum(["own", "all"]).optional(),
    assignment: z.enum(["manual", "round_robin"]).optional(),
    roundRobinAgentIds: z.array(idSchema("usr")).max(100).optional(),
  })
  .openapi("UpdateCrmSettingsInput");
export type UpdateCrmSettingsInput = z.infer<typeof UpdateCrmSettingsInputSchema>;

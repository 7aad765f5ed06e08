import { z } from "@hono/zod-openapi";
import { PageQuerySchema } from "../platform/pagination";
import { DateTimeSchema, idSchema } from "../platform/schemas";
import { ACTIVITY_KINDS } from "./activities.schema";

export const TITLE_MAX_LENGTH = 200;
export const BODY_MAX_LENGTH = 5000;

const Title = z.string().trim().min(1).max(TITLE_MAX_LENGTH).openapi({ example: "اتصال متابعة" });
const Body = z
  .string()
  .trim()
  .min(1)
  .max(BODY_MAX_LENGTH)
  .openapi({ example: "يريد شقة ٣ غرف في حي النرجس" });

export const CreateActivityInputSchema = z
  .strictObject({
    kind: z.enum(ACTIVITY_KINDS),
    contactId: idSchema("con").optional(),
    dealId: idSchema("deal").optional(),
    title: Title.optional(),
    body: Body.optional(),
    occurredAt: DateTimeSchema.optional().openapi({
      description: "When it happened; defaults to now. The timeline is ordered by it.",
    }),
    dueAt: DateTimeSchema.optional().openapi({ description: "When it is to be done (required for tasks)" }),
    remindAt: DateTimeSchema.optional().openapi({
      description: "When to remind the assignee; not after dueAt",
    }),
    assigneeId: idSchema("usr")
      .optional()
      .openapi({ description: "Whose task it is: a member of the tenant; defaults to the caller" }),
    done: z.boolean().optional().openapi({
      description:
        "Whether it is done. Defaults to true for a call, visit or meeting logged without dueAt (it happened), false otherwise.",
    }),
  })
  .superRefine((input, ctx) => {
    if (!input.contactId && !input.dealId) {
      ctx.addIssue({ code: "custom", path: ["contactId"], message: "Give a contactId, a dealId or both." });
    }
    if (input.kind === "note" && !input.body) {
      ctx.addIssue({ code: "custom", path: ["body"], message: "A note needs a body." });
    }
    if (input.kind === "note" && (input.dueAt || input.remindAt || input.done !== undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["dueAt"],
        message: "A note has no due time, reminder or done state.",
      });
    }
    if (input.kind === "task" && !input.dueAt) {
      ctx.addIssue({ code: "custom", path: ["dueAt"], message: "A task needs a due time." });
    }
    if (input.remindAt && (!input.dueAt || Date.parse(input.remindAt) > Date.parse(input.dueAt))) {
      ctx.addIssue({ code: "custom", path: ["remindAt"], message: "A reminder comes before the due time." });
    }
  })
  .openapi("CreateActivityInput");

export type CreateActivityInput = z.output<typeof CreateActivityInputSchema>;

export const UpdateActivityInputSchema = z
  .strictObject({
    title: Title.nullable().optional(),
    body: Body.nullable().optional(),
    dueAt: DateTimeSchema.nullable().optional(),
    remindAt: DateTimeSchema.nullable().optional(),
    assigneeId: idSchema("usr").nullable().optional(),
    done: z.boolean().optional().openapi({ description: "true sets doneAt to now, false clears it" }),
  })
  .refine((input) => Object.keys(input).length > 0, { message: "Send at least one field to change." })
  .openapi("UpdateActivityInput");

export type UpdateActivityInput = z.output<typeof UpdateActivityInputSchema>;

export const ActivitySchema = z
  .object({
    id: idSchema("act"),
    kind: z.enum(ACTIVITY_KINDS),
    contactId: idSchema("con").nullable(),
    dealId: idSchema("deal").nullable(),
    title: z.string().nullable(),
    body: z.string().nullable(),
    occurredAt: DateTimeSchema,
    dueAt: DateTimeSchema.nullable(),
    remindAt: DateTimeSchema.nullable(),
    doneAt: DateTimeSchema.nullable(),
    assigneeId: idSchema("usr").nullable(),
    createdBy: z
      .string()
      .nullable()
      .openapi({ description: "The member (usr_…) or API key (key_…) that logged it" }),
    createdAt: DateTimeSchema,
    updatedAt: DateTimeSchema,
    version: z
      .int()
      .openapi({ description: "Send it back as If-Match (quoted) when you update", example: 1 }),
  })
  .openapi("Activity");

export const TimelineQuerySchema = PageQuerySchema.extend({
  contactId: idSchema("con")
    .optional()
    .openapi({
      param: { name: "contactId", in: "query" },
      description: "The contact whose timeline to list",
    }),
  dealId: idSchema("deal")
    .optional()
    .openapi({ param: { name: "dealId", in: "query" }, description: "The deal whose timeline to list" }),
});

export const TASK_BUCKETS = ["overdue", "today", "upcoming"] as const;
export type TaskBucket = (typeof TASK_BUCKETS)[number];

export const MyTasksQuerySchema = PageQuerySchema.extend({
  bucket: z.enum(TASK_BUCKETS).openapi({
    param: { name: "bucket", in: "query" },
    description:
      "On the tenant's calendar day (its time zone): overdue = due before today, today = due today, upcoming = due after today",
  }),
});

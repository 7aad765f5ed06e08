import { createRoute } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { IdempotencyKeyHeaderSchema, idempotency } from "../platform/idempotency";
import { pageSchema } from "../platform/pagination";
import { ApiError, problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent, pathId } from "../platform/router";
import { etagOf, IfMatchHeadersSchema } from "../platform/versioning";
import {
  ActivitySchema,
  CreateActivityInputSchema,
  MyTasksQuerySchema,
  TimelineQuerySchema,
  UpdateActivityInputSchema,
} from "./activities.model";
import {
  activityView,
  createActivity,
  getActivity,
  myTasks,
  removeActivity,
  timeline,
  updateActivityOf,
} from "./activities.service";

const readers = access({ role: "agent", scope: "crm:read" });
const writers = access({ role: "agent", scope: "crm:write" });
const creators = access({ role: "agent", scope: "crm:write" }, idempotency());

const etagHeader = {
  headers: {
    ETag: {
      schema: { type: "string" as const, description: "The version to send back as If-Match" },
      required: true,
      description: "The version to send back as If-Match",
    },
  },
};

const createActivityRoute = createRoute({
  method: "post",
  path: "/activities",
  tags: ["activities"],
  operationId: "createActivity",
  summary: "Log a note, call, visit or meeting, or schedule a task, on a contact and/or a deal",
  description:
    "Honours `Idempotency-Key`. A call, visit or meeting that is done moves the contact's `lastContactedAt`. " +
    "An activity on a deal alone is also put on the timeline of the deal's contact.",
  ...creators,
  request: { headers: IdempotencyKeyHeaderSchema, ...jsonBody(CreateActivityInputSchema) },
  responses: {
    201: { description: "Logged", ...etagHeader, ...jsonContent(ActivitySchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "INVALID_HEADER",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "IDEMPOTENCY_KEY_REUSED",
      "IDEMPOTENCY_IN_PROGRESS",
      "VALIDATION_FAILED",
    ),
  },
});

const timelineRoute = createRoute({
  method: "get",
  path: "/activities",
  tags: ["activities"],
  operationId: "listActivities",
  summary: "One contact's or deal's timeline, newest first",
  description: "Give exactly one of `contactId` and `dealId`; a record you cannot see is a 404.",
  ...readers,
  request: { query: TimelineQuerySchema },
  responses: {
    200: { description: "A page of the timeline", ...jsonContent(pageSchema(ActivitySchema)) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

const getActivityRoute = createRoute({
  method: "get",
  path: "/activities/{activityId}",
  tags: ["activities"],
  operationId: "getActivity",
  summary: "One activity, with its version as ETag",
  ...readers,
  request: { params: pathId("activityId", "act") },
  responses: {
    200: { description: "The activity", ...etagHeader, ...jsonContent(ActivitySchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

const updateActivityRoute = createRoute({
  method: "patch",
  path: "/activities/{activityId}",
  tags: ["activities"],
  operationId: "updateActivity",
  summary: "Change an activity (title, body, due time, reminder, assignee, done) of the version you read",
  ...writers,
  request: {
    params: pathId("activityId", "act"),
    headers: IfMatchHeadersSchema,
    ...jsonBody(UpdateActivityInputSchema),
  },
  responses: {
    200: { description: "Changed", ...etagHeader, ...jsonContent(ActivitySchema) },
    ...problemResponses(
      "MALFORMED_REQUEST",
      "INVALID_HEADER",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "NOT_FOUND",
      "VERSION_MISMATCH",
      "VALIDATION_FAILED",
      "VERSION_REQUIRED",
    ),
  },
});

const deleteActivityRoute = createRoute({
  method: "delete",
  path: "/activities/{activityId}",
  tags: ["activities"],
  operationId: "deleteActivity",
  summary: "Delete an activity (its author, or a manager or owner)",
  ...writers,
  request: { params: pathId("activityId", "act") },
  responses: {
    204: { description: "Deleted" },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_FAILED"),
  },
});

const myTasksRoute = createRoute({
  method: "get",
  path: "/tasks/mine",
  tags: ["activities"],
  operationId: "listMyTasks",
  summary: "The caller's open tasks (activities with a due time) in one bucket, soonest first",
  description:
    "Buckets follow the tenant's calendar day in its time zone. An API key has no tasks of its own: its list is empty.",
  ...readers,
  request: { query: MyTasksQuerySchema },
  responses: {
    200: { description: "A page of tasks", ...jsonContent(pageSchema(ActivitySchema)) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

const oneRecord = (query: { contactId?: string | undefined; dealId?: string | undefined }) => {
  if (query.contactId && !query.dealId) return { contactId: query.contactId };
  if (query.dealId && !query.contactId) return { dealId: query.dealId };
  throw new ApiError("VALIDATION_FAILED", "Give exactly one of contactId and dealId.", {
    errors: [{ path: "contactId", code: "custom", message: "Give exactly one of contactId and dealId." }],
  });
};

export const activitiesApi = createRouter()
  .openapi(createActivityRoute, async (c) => {
    const row = await createActivity(tenantOf(c), c.req.valid("json"));
    return c.json(activityView(row), 201, { ETag: etagOf(row.version) });
  })
  .openapi(timelineRoute, async (c) => {
    const { cursor, limit, ...query } = c.req.valid("query");
    const page = await timeline(tenantOf(c), oneRecord(query), cursor, limit);
    return c.json({ data: page.data.map(activityView), nextCursor: page.nextCursor }, 200);
  })
  .openapi(getActivityRoute, async (c) => {
    const row = await getActivity(tenantOf(c), c.req.valid("param").activityId);
    return c.json(activityView(row), 200, { ETag: etagOf(row.version) });
  })
  .openapi(updateActivityRoute, async (c) => {
    const row = await updateActivityOf(
      tenantOf(c),
      c.req.valid("param").activityId,
      c.req.valid("header")["if-match"],
      c.req.valid("json"),
    );
    return c.json(activityView(row), 200, { ETag: etagOf(row.version) });
  })
  .openapi(deleteActivityRoute, async (c) => {
    await removeActivity(tenantOf(c), c.req.valid("param").activityId);
    return c.body(null, 204);
  })
  .openapi(myTasksRoute, async (c) => {
    const { bucket, cursor, limit } = c.req.valid("query");
    const page = await myTasks(tenantOf(c), bucket, cursor, limit);
    return c.json({ data: page.data.map(activityView), nextCursor: page.nextCursor }, 200);
  });

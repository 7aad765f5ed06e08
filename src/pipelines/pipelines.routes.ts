import { createRoute } from "@hono/zod-openapi";
import { access, tenantOf } from "../platform/access";
import { problemResponses } from "../platform/problem";
import { createRouter, jsonBody, jsonContent, pathId } from "../platform/router";
import {
  ArchiveStageInputSchema,
  CreatePipelineInputSchema,
  CreateStageInputSchema,
  PipelineListQuerySchema,
  PipelineListSchema,
  PipelineSchema,
  ReorderStagesInputSchema,
  StageSchema,
  UpdatePipelineInputSchema,
  UpdateStageInputSchema,
} from "./pipelines.model";
import {
  addStage,
  archivePipeline,
  archiveStage,
  createPipeline,
  getPipelines,
  reorderStages,
  updatePipeline,
  updateStage,
} from "./pipelines.service";

const readers = access({ role: "agent", scope: "crm:read" });
// Pipelines and stages shape everyone's board: managers and owners only.
const admins = access({ role: "manager", scope: "crm:admin" });
const tags = ["pipelines"];
const writeProblems = problemResponses(
  "MALFORMED_REQUEST",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "VALIDATION_FAILED",
);
const pipelineParam = pathId("pipelineId", "pip");
const stageParam = pathId("stageId", "stg");

const listRoute = createRoute({
  method: "get",
  path: "/pipelines",
  tags,
  operationId: "listPipelines",
  summary: "The tenant's pipelines, each with its live stages in board order",
  ...readers,
  request: { query: PipelineListQuerySchema },
  responses: {
    200: { description: "Pipelines in order", ...jsonContent(PipelineListSchema) },
    ...problemResponses("UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

const createPipelineRoute = createRoute({
  method: "post",
  path: "/pipelines",
  tags,
  operationId: "createPipeline",
  summary: "Create a pipeline with its stages (the first pipeline becomes the default)",
  ...admins,
  request: jsonBody(CreatePipelineInputSchema),
  responses: {
    201: { description: "Created", ...jsonContent(PipelineSchema) },
    ...problemResponses("MALFORMED_REQUEST", "UNAUTHENTICATED", "FORBIDDEN", "VALIDATION_FAILED"),
  },
});

const updatePipelineRoute = createRoute({
  method: "patch",
  path: "/pipelines/{pipelineId}",
  tags,
  operationId: "updatePipeline",
  summary: "Rename a pipeline or make it the default",
  ...admins,
  request: { params: pipelineParam, ...jsonBody(UpdatePipelineInputSchema) },
  responses: { 200: { description: "Updated", ...jsonContent(PipelineSchema) }, ...writeProblems },
});

const archivePipelineRoute = createRoute({
  method: "post",
  path: "/pipelines/{pipelineId}/archive",
  tags,
  operationId: "archivePipeline",
  summary: "Archive a pipeline (not the default, and only without open deals)",
  ...admins,
  request: { params: pipelineParam },
  responses: { 204: { description: "Archived" }, ...writeProblems },
});

const addStageRoute = createRoute({
  method: "post",
  path: "/pipelines/{pipelineId}/stages",
  tags,
  operationId: "addStage",
  summary: "Add a stage at the end of a pipeline",
  ...admins,
  request: { params: pipelineParam, ...jsonBody(CreateStageInputSchema) },
  responses: { 201: { description: "Created", ...jsonContent(StageSchema) }, ...writeProblems },
});

const reorderStagesRoute = createRoute({
  method: "post",
  path: "/pipelines/{pipelineId}/stages/reorder",
  tags,
  operationId: "reorderStages",
  summary: "Set the order of all of a pipeline's live stages in one call; deals stay where they are",
  ...admins,
  request: { params: pipelineParam, ...jsonBody(ReorderStagesInputSchema) },
  responses: {
    200: { description: "The pipeline in its new order", ...jsonContent(PipelineSchema) },
    ...writeProblems,
  },
});

const updateStageRoute = createRoute({
  method: "patch",
  path: "/stages/{stageId}",
  tags,
  operationId: "updateStage",
  summary: "Rename a stage or change its kind (open/won/lost) or probability",
  ...admins,
  request: { params: stageParam, ...jsonBody(UpdateStageInputSchema) },
  responses: { 200: { description: "Updated", ...jsonContent(StageSchema) }, ...writeProblems },
});

const archiveStageRoute = createRoute({
  method: "post",
  path: "/stages/{stageId}/archive",
  tags,
  operationId: "archiveStage",
  summary: "Archive a stage; refused (409) while deals are in it unless they are moved to another stage",
  ...admins,
  request: { params: stageParam, ...jsonBody(ArchiveStageInputSchema) },
  responses: { 204: { description: "Archived" }, ...writeProblems },
});

export const pipelinesApi = createRouter()
  .openapi(listRoute, async (c) => {
    const { includeArchived } = c.req.valid("query");
    return c.json({ data: await getPipelines(tenantOf(c), includeArchived) }, 200);
  })
  .openapi(createPipelineRoute, async (c) =>
    c.json(await createPipeline(tenantOf(c), c.req.valid("json"), c.get("locale")), 201),
  )
  .openapi(updatePipelineRoute, async (c) =>
    c.json(await updatePipeline(tenantOf(c), c.req.valid("param").pipelineId, c.req.valid("json")), 200),
  )
  .openapi(archivePipelineRoute, async (c) => {
    await archivePipeline(tenantOf(c), c.req.valid("param").pipelineId);
    return c.body(null, 204);
  })
  .openapi(addStageRoute, async (c) =>
    c.json(await addStage(tenantOf(c), c.req.valid("param").pipelineId, c.req.valid("json")), 201),
  )
  .openapi(reorderStagesRoute, async (c) =>
    c.json(
      await reorderStages(tenantOf(c), c.req.valid("param").pipelineId, c.req.valid("json").stageIds),
      200,
    ),
  )
  .openapi(updateStageRoute, async (c) =>
    c.json(await updateStage(tenantOf(c), c.req.valid("param").stageId, c.req.valid("json")), 200),
  )
  .openapi(archiveStageRoute, async (c) => {
    await archiveStage(tenantOf(c), c.req.valid("param").stageId, c.req.valid("json").moveDealsToStageId);
    return c.body(null, 204);
  });

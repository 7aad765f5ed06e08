import { type Context, Hono } from "hono";
import {
  CreatePipelineInputSchema,
  CreateStageInputSchema,
  UpdateStageInputSchema,
} from "../../src/pipelines/pipelines.model";
import {
  addStage,
  archivePipeline,
  archiveStage,
  createPipeline,
  getPipelines,
  reorderStages,
  updatePipeline,
  updateStage,
} from "../../src/pipelines/pipelines.service";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { isId } from "../../src/platform/ids";
import { ApiError } from "../../src/platform/problem";
import type { Dictionary } from "../i18n";
import { renderPage } from "../render";
import { formValues, parseWith } from "../session/forms";
import { requireManager, requireSignedIn } from "../session/page-session";
import { PipelineSettingsPage } from "./pipelines.views";

export const pipelineSettingsPages = new Hono<AppEnv>();

const managersOnly = requireManager();
for (const path of ["/settings/pipelines", "/settings/pipelines/*", "/settings/stages/*"]) {
  pipelineSettingsPages.use(path, requireSignedIn(), managersOnly);
}

async function renderSettings(
  c: Context<AppEnv>,
  state: (t: Dictionary) => { notice?: string; error?: string } = () => ({}),
  status: 200 | 409 | 422 = 200,
) {
  const pipelines = await getPipelines(tenantOf(c));
  return renderPage(c, {
    title: (t) => t.pipelines.title,
    body: (t, csrf) => <PipelineSettingsPage t={t} csrf={csrf} pipelines={pipelines} {...state(t)} />,
    status,
  });
}

const done = (c: Context<AppEnv>) => c.redirect("/settings/pipelines?saved=1", 303);

/** Runs a settings change; refusals come back as the page with a message in the user's language. */
async function change(c: Context<AppEnv>, action: () => Promise<unknown>) {
  try {
    await action();
    return done(c);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.code === "CONFLICT") {
      return renderSettings(c, (t) => ({ error: t.pipelines.errors.conflict }), 409);
    }
    if (error.code === "VALIDATION_FAILED")
      return renderSettings(c, (t) => ({ error: t.pipelines.errors.invalid }), 422);
    throw error;
  }
}

const idParam = (c: Context<AppEnv>, name: string, prefix: "pip" | "stg") => {
  const id = c.req.param(name) ?? "";
  if (!isId(prefix, id)) throw new ApiError("NOT_FOUND");
  return id;
};

pipelineSettingsPages.get("/settings/pipelines", (c) =>
  renderSettings(c, (t) => (c.req.query("saved") ? { notice: t.pipelines.saved } : {})),
);

pipelineSettingsPages.post("/settings/pipelines", async (c) => {
  const values = await formValues(c, ["name"]);
  return change(c, () =>
    createPipeline(tenantOf(c), parseWith(CreatePipelineInputSchema, { name: values.name }), c.get("locale")),
  );
});

pipelineSettingsPages.post("/settings/pipelines/:pipelineId", async (c) => {
  const id = idParam(c, "pipelineId", "pip");
  const values = await formValues(c, ["name"]);
  return change(c, () =>
    updatePipeline(tenantOf(c), id, parseWith(CreatePipelineInputSchema.pick({ name: true }), values)),
  );
});

pipelineSettingsPages.post("/settings/pipelines/:pipelineId/default", (c) => {
  const id = idParam(c, "pipelineId", "pip");
  return change(c, () => updatePipeline(tenantOf(c), id, { isDefault: true }));
});

pipelineSettingsPages.post("/settings/pipelines/:pipelineId/archive", (c) => {
  const id = idParam(c, "pipelineId", "pip");
  return change(c, () => archivePipeline(tenantOf(c), id));
});

pipelineSettingsPages.post("/settings/pipelines/:pipelineId/stages", async (c) => {
  const id = idParam(c, "pipelineId", "pip");
  const values = await formValues(c, ["name", "kind"]);
  return change(c, () => addStage(tenantOf(c), id, parseWith(CreateStageInputSchema, values)));
});

pipelineSettingsPages.post("/settings/stages/:stageId", async (c) => {
  const id = idParam(c, "stageId", "stg");
  const values = await formValues(c, ["name", "kind", "probability"]);
  return change(c, () =>
    updateStage(
      tenantOf(c),
      id,
      parseWith(UpdateStageInputSchema, {
        name: values.name,
        kind: values.kind,
        probability: Number(values.probability),
      }),
    ),
  );
});

/** Up/down buttons: the stage swaps places with its neighbour, sent as one whole-pipeline reorder. */
pipelineSettingsPages.post("/settings/stages/:stageId/move", async (c) => {
  const id = idParam(c, "stageId", "stg");
  const { direction } = await formValues(c, ["direction"]);
  const pipelines = await getPipelines(tenantOf(c));
  const pipeline = pipelines.find((p) => p.stages.some((s) => s.id === id));
  if (!pipeline) throw new ApiError("NOT_FOUND");
  const order = pipeline.stages.map((s) => s.id);
  const from = order.indexOf(id);
  const to = direction === "up" ? from - 1 : from + 1;
  if (to < 0 || to >= order.length) return done(c);
  [order[from], order[to]] = [order[to] as string, order[from] as string];
  return change(c, () => reorderStages(tenantOf(c), pipeline.id, order));
});

pipelineSettingsPages.post("/settings/stages/:stageId/archive", async (c) => {
  const id = idParam(c, "stageId", "stg");
  const { moveDealsToStageId } = await formValues(c, ["moveDealsToStageId"]);
  return change(c, () => archiveStage(tenantOf(c), id, moveDealsToStageId || undefined));
});

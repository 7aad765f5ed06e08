import { type Context, Hono } from "hono";
import { moveDeal } from "../../src/deals/deal-moves.service";
import { createDeal, updateDeal } from "../../src/deals/deal-writes.service";
import {
  CreateDealInputSchema,
  MoveDealInputSchema,
  UpdateDealInputSchema,
} from "../../src/deals/deals.model";
import { board, dealFields, dealPage } from "../../src/deals/deals.service";
import { ensureDefaultPipeline } from "../../src/pipelines/pipelines.service";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { isId } from "../../src/platform/ids";
import { ApiError } from "../../src/platform/problem";
import { hasRole } from "../../src/platform/roles";
import { etagOf } from "../../src/platform/versioning";
import { postedCustomValues } from "../custom-fields/custom-field-inputs";
import type { Dictionary } from "../i18n";
import { renderPage } from "../render";
import { formValues, invalidFields, parseWith } from "../session/forms";
import { requireSignedIn, signedInUser } from "../session/page-session";
import { BoardPage, type BoardProps } from "./board.views";
import { DealPage, type DealPageProps } from "./deal.views";
import { parseSar } from "./money";

export const dealsPages = new Hono<AppEnv>();
for (const path of ["/deals", "/deals/*"]) dealsPages.use(path, requireSignedIn());

const canManage = (c: Context<AppEnv>) => hasRole(signedInUser(c).role, "manager");

type BoardState = Pick<BoardProps, "notice" | "error" | "newDeal">;

async function renderBoard(
  c: Context<AppEnv>,
  pipelineId: string | undefined,
  state: (t: Dictionary) => BoardState = () => ({}),
  status: 200 | 404 | 422 = 200,
) {
  const data = await board(tenantOf(c), pipelineId);
  if (pipelineId && !data.pipeline) throw new ApiError("NOT_FOUND", "No such pipeline.");
  return renderPage(c, {
    title: (t) => t.deals.boardTitle,
    body: (t, csrf) => (
      <BoardPage
        t={t}
        locale={c.get("locale")}
        csrf={csrf}
        canManage={canManage(c)}
        pipelines={data.pipelines}
        pipeline={data.pipeline}
        deals={data.deals}
        totals={data.totals}
        definitions={data.definitions}
        {...state(t)}
      />
    ),
    scripts: ["/vendor/sortablejs/Sortable.min.js", "/assets/board.js"],
    status,
  });
}

dealsPages.get("/deals", (c) => {
  const pipelineId = c.req.query("pipeline");
  if (pipelineId !== undefined && !isId("pip", pipelineId)) throw new ApiError("NOT_FOUND");
  return renderBoard(c, pipelineId);
});

/** The empty board's button: a new tenant gets the default Sales pipeline. */
dealsPages.post("/deals/start", async (c) => {
  if (!canManage(c)) throw new ApiError("FORBIDDEN", "Managers and owners set up pipelines.");
  const pipelineId = await ensureDefaultPipeline(tenantOf(c), c.get("locale"));
  return c.redirect(`/deals?pipeline=${pipelineId}`, 303);
});

const DEAL_FIELDS = ["title", "amount", "expectedCloseOn", "ownerId", "lostReason"] as const;

/** Form text → API input; an amount that is not one is reported on the `amount` field. */
function dealInput(values: Record<string, string>) {
  const amountHalalas = parseSar(values.amount ?? "");
  if (amountHalalas === null) {
    throw new ApiError("VALIDATION_FAILED", "The amount is not a number.", {
      errors: [{ path: "amount", code: "invalid_amount", message: "Not an amount." }],
    });
  }
  return { amountHalalas, expectedCloseOn: values.expectedCloseOn || null };
}

const fieldMessages = (t: Dictionary, fields: string[]) =>
  Object.fromEntries(
    fields.map((field) => [
      field,
      field === "amount" || field === "amountHalalas"
        ? t.deals.errors.amount
        : field === "expectedCloseOn"
          ? t.deals.errors.date
          : t.deals.errors.required,
    ]),
  );

dealsPages.post("/deals", async (c) => {
  const values = await formValues(c, ["title", "amount", "expectedCloseOn", "stageId", "pipelineId"]);
  const { custom, customText } = await postedCustomValues(c, await dealFields(tenantOf(c)));
  const pipelineId = isId("pip", values.pipelineId ?? "") ? values.pipelineId : undefined;
  try {
    const input = parseWith(CreateDealInputSchema, {
      title: values.title,
      ...dealInput(values),
      ...(pipelineId ? { pipelineId } : {}),
      ...(values.stageId ? { stageId: values.stageId } : {}),
      custom,
    });
    const deal = await createDeal(tenantOf(c), input, c.get("locale"));
    return c.redirect(`/deals?pipeline=${deal.pipelineId}`, 303);
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== "VALIDATION_FAILED") throw error;
    const fields = invalidFields(error, [
      "title",
      "amount",
      "amountHalalas",
      "expectedCloseOn",
      "stageId",
    ]).map((f) => (f === "amountHalalas" ? "amount" : f));
    return renderBoard(
      c,
      pipelineId,
      (t) => ({
        error: t.deals.errors.form,
        newDeal: {
          values,
          errors: fieldMessages(t, fields),
          customValues: customText,
          customErrors: error.errors ?? [],
        },
      }),
      422,
    );
  }
});

const dealIdOf = (c: Context<AppEnv>) => {
  const id = c.req.param("dealId") ?? "";
  if (!isId("deal", id)) throw new ApiError("NOT_FOUND");
  return id;
};

async function renderDeal(
  c: Context<AppEnv>,
  id: string,
  state: (
    t: Dictionary,
  ) => Pick<
    DealPageProps,
    "notice" | "error" | "values" | "errors" | "customValues" | "customErrors"
  > = () => ({}),
  status: 200 | 412 | 422 = 200,
) {
  const data = await dealPage(tenantOf(c), id);
  const me = signedInUser(c);
  return renderPage(c, {
    title: () => data.deal.title,
    body: (t, csrf) => (
      <DealPage
        t={t}
        locale={c.get("locale")}
        timeZone={me.tenantTimeZone}
        csrf={csrf}
        canReassign={canManage(c)}
        data={data}
        {...state(t)}
      />
    ),
    status,
  });
}

dealsPages.get("/deals/:dealId", (c) =>
  renderDeal(c, dealIdOf(c), (t) => ({ notice: c.req.query("saved") ? t.deals.saved : undefined })),
);

dealsPages.post("/deals/:dealId", async (c) => {
  const id = dealIdOf(c);
  const values = await formValues(c, [...DEAL_FIELDS, "version"]);
  const form = await c.req.parseBody();
  const { custom, customText } = await postedCustomValues(c, await dealFields(tenantOf(c)));
  try {
    const input = parseWith(UpdateDealInputSchema, {
      title: values.title,
      ...dealInput(values),
      // Fields the form did not show (owner for agents, lost reason while open) stay as they are.
      ...("ownerId" in form ? { ownerId: values.ownerId || null } : {}),
      ...("lostReason" in form ? { lostReason: values.lostReason || null } : {}),
      custom,
    });
    await updateDeal(tenantOf(c), id, etagOf(Number(values.version) || 0), input);
    return c.redirect(`/deals/${id}?saved=1`, 303);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.code === "VERSION_MISMATCH") {
      return renderDeal(
        c,
        id,
        (t) => ({ error: t.deals.errors.changed, values, customValues: customText }),
        412,
      );
    }
    if (error.code !== "VALIDATION_FAILED") throw error;
    const fields = invalidFields(error, [
      "title",
      "amount",
      "amountHalalas",
      "expectedCloseOn",
      "ownerId",
    ]).map((f) => (f === "amountHalalas" ? "amount" : f));
    return renderDeal(
      c,
      id,
      (t) => ({
        error: t.deals.errors.form,
        values,
        errors: fieldMessages(t, fields),
        customValues: customText,
        customErrors: error.errors ?? [],
      }),
      422,
    );
  }
});

/**
 * A move from the board: the no-JavaScript form (answered with a redirect) or the drag-and-drop
 * script, which sends the same form with `Accept: application/json` and gets the deal's new version.
 */
dealsPages.post("/deals/:dealId/move", async (c) => {
  const id = dealIdOf(c);
  const values = await formValues(c, ["stageId", "beforeDealId", "back"]);
  const wantsJson = c.req.header("Accept")?.includes("application/json") ?? false;
  const input = parseWith(MoveDealInputSchema, {
    stageId: values.stageId,
    ...(values.beforeDealId ? { beforeDealId: values.beforeDealId } : {}),
  });
  const deal = await moveDeal(tenantOf(c), id, undefined, input);
  if (wantsJson) return c.json({ id: deal.id, stageId: deal.stageId, version: deal.version }, 200);
  return c.redirect(values.back === "deal" ? `/deals/${id}` : `/deals?pipeline=${deal.pipelineId}`, 303);
});

import { type Context, Hono } from "hono";
import {
  CreateCustomFieldInputSchema,
  CustomFieldObjectSchema,
  UpdateCustomFieldInputSchema,
} from "../../src/custom-fields/custom-fields.model";
import type { CustomFieldObject } from "../../src/custom-fields/custom-fields.repo";
import type { CustomFieldOption } from "../../src/custom-fields/custom-fields.schema";
import {
  archiveCustomField,
  createCustomField,
  customFields,
  restoreCustomField,
  updateCustomField,
} from "../../src/custom-fields/custom-fields.service";
import { tenantOf } from "../../src/platform/access";
import type { AppEnv } from "../../src/platform/context";
import { isId } from "../../src/platform/ids";
import { ApiError } from "../../src/platform/problem";
import { asciiDigits } from "../../src/platform/text-normalise";
import type { Dictionary } from "../i18n";
import { renderPage } from "../render";
import { parseWith } from "../session/forms";
import { requireManager, requireSignedIn } from "../session/page-session";
import { CustomFieldsPage, type CustomFieldsState, type SettingsField } from "./custom-fields.views";

const PAGE = "/settings/custom-fields";
const SETTINGS_FIELDS: SettingsField[] = ["key", "labelAr", "labelEn", "type", "options", "position"];

async function renderSettings(
  c: Context<AppEnv>,
  objectType: CustomFieldObject,
  state: (t: Dictionary) => CustomFieldsState,
  status: 200 | 409 | 422 = 200,
) {
  const fields = await customFields(tenantOf(c), objectType);
  return renderPage(c, {
    title: (t) => t.customFields.title,
    body: (t, csrf) => (
      <CustomFieldsPage
        t={t}
        locale={c.get("locale")}
        csrf={csrf}
        objectType={objectType}
        fields={fields}
        state={state(t)}
      />
    ),
    status,
  });
}

const objectOf = (value: unknown): CustomFieldObject => {
  const parsed = CustomFieldObjectSchema.safeParse(value);
  return parsed.success ? parsed.data : "contact";
};

type Form = Record<string, string | File | (string | File)[]>;

const texts = (form: Form, name: string) => {
  const raw = form[name];
  return (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map((v) =>
    typeof v === "string" ? v.trim() : "",
  );
};
const text = (form: Form, name: string) => texts(form, name)[0] ?? "";

const slug = (label: string) =>
  label
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 64);

/**
 * The option rows of a settings form: blank rows are dropped, and a row without a value gets
 * one made from its English label (or its position), unique within the list.
 */
function optionsFromForm(form: Form): CustomFieldOption[] {
  const values = texts(form, "option_value");
  const arabic = texts(form, "option_ar");
  const english = texts(form, "option_en");
  const taken = new Set(values.filter(Boolean));
  const options: CustomFieldOption[] = [];
  values.forEach((given, index) => {
    const labelAr = arabic[index] ?? "";
    const labelEn = english[index] ?? "";
    if (!given && !labelAr && !labelEn) return;
    let value = given;
    if (!value) {
      const base = slug(labelEn) || `option_${index + 1}`;
      value = base;
      for (let n = 2; taken.has(value); n++) value = `${base}_${n}`;
      taken.add(value);
    }
    options.push({ value, labelAr, labelEn });
  });
  return options;
}

/** Which form fields an ApiError names, with the message each one shows. */
function errorsByField(t: Dictionary, error: ApiError): Partial<Record<SettingsField, string>> {
  const fields: Partial<Record<SettingsField, string>> = {};
  for (const entry of error.errors ?? []) {
    const field = entry.path.split(".")[0] as SettingsField;
    if (SETTINGS_FIELDS.includes(field)) fields[field] ??= t.customFields.errors.generic;
  }
  return fields;
}

const summaryOf = (t: Dictionary, error: ApiError) =>
  error.code === "CONFLICT"
    ? error.message.includes("already has a field")
      ? t.customFields.errors.keyTaken
      : t.customFields.errors.limit
    : t.customFields.errors.form;

export const customFieldsPages = new Hono<AppEnv>();

const managersOnly = requireManager();
for (const path of [PAGE, `${PAGE}/*`]) customFieldsPages.use(path, requireSignedIn(), managersOnly);

customFieldsPages.get(PAGE, (c) =>
  renderSettings(c, objectOf(c.req.query("object")), (t) => ({
    notice: c.req.query("saved") ? t.customFields.saved : undefined,
  })),
);

customFieldsPages.post(PAGE, async (c) => {
  const form = (await c.req.parseBody({ all: true })) as Form;
  const objectType = objectOf(text(form, "objectType"));
  const options = optionsFromForm(form);
  const values = Object.fromEntries(
    ["key", "labelAr", "labelEn", "type", "required"].map((name) => [name, text(form, name)]),
  );
  try {
    const type = values.type ?? "";
    const input = parseWith(CreateCustomFieldInputSchema, {
      objectType,
      key: values.key,
      labelAr: values.labelAr,
      labelEn: values.labelEn,
      type,
      required: values.required === "yes",
      // Blank option rows on a field that has no options are not an error.
      ...(type === "select" || type === "multi_select" || options.length > 0 ? { options } : {}),
    });
    await createCustomField(tenantOf(c), input);
    return c.redirect(`${PAGE}?object=${objectType}&saved=1`, 303);
  } catch (error) {
    if (!(error instanceof ApiError) || (error.status !== 422 && error.status !== 409)) throw error;
    return renderSettings(
      c,
      objectType,
      (t) => ({
        error: summaryOf(t, error),
        addValues: values,
        addOptions: options,
        addErrors:
          error.code === "CONFLICT" && error.message.includes("already has a field")
            ? { key: t.customFields.errors.keyTaken }
            : errorsByField(t, error),
      }),
      error.status as 409 | 422,
    );
  }
});

const fieldIdOf = (c: Context<AppEnv>) => {
  const id = c.req.param("fieldId") ?? "";
  if (!isId("cfd", id)) throw new ApiError("NOT_FOUND");
  return id;
};

customFieldsPages.post(`${PAGE}/:fieldId`, async (c) => {
  const id = fieldIdOf(c);
  const form = (await c.req.parseBody({ all: true })) as Form;
  const position = asciiDigits(text(form, "position"));
  let objectType: CustomFieldObject = "contact";
  try {
    const current = (await customFields(tenantOf(c), undefined)).find((f) => f.id === id);
    if (!current) throw new ApiError("NOT_FOUND");
    objectType = current.objectType;
    const takesOptions = current.type === "select" || current.type === "multi_select";
    const input = parseWith(UpdateCustomFieldInputSchema, {
      labelAr: text(form, "labelAr"),
      labelEn: text(form, "labelEn"),
      required: text(form, "required") === "yes",
      position: /^\d{1,5}$/.test(position) ? Number(position) : position,
      ...(takesOptions ? { options: optionsFromForm(form) } : {}),
    });
    await updateCustomField(tenantOf(c), id, input);
    return c.redirect(`${PAGE}?object=${objectType}&saved=1`, 303);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 422) throw error;
    return renderSettings(
      c,
      objectType,
      (t) => ({ error: t.customFields.errors.form, editId: id, editErrors: errorsByField(t, error) }),
      422,
    );
  }
});

for (const verb of ["archive", "restore"] as const) {
  customFieldsPages.post(`${PAGE}/:fieldId/${verb}`, async (c) => {
    const id = fieldIdOf(c);
    try {
      const field = await (verb === "archive" ? archiveCustomField : restoreCustomField)(tenantOf(c), id);
      return c.redirect(`${PAGE}?object=${field.objectType}&saved=1`, 303);
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== "CONFLICT") throw error;
      const field = (await customFields(tenantOf(c), undefined)).find((f) => f.id === id);
      return renderSettings(
        c,
        field?.objectType ?? "contact",
        (t) => ({ error: t.customFields.errors.limit }),
        409,
      );
    }
  });
}

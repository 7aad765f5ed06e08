import { ar } from "../../pages/i18n/ar";
import { en } from "../../pages/i18n/en";
import { ContactNameSchema, MAX_PHONES, MAX_TAGS, TagSchema } from "../contacts/contacts.model";
import { CONTACT_SOURCES, CONTACT_STATUSES } from "../contacts/contacts.schema";
import {
  type CustomFieldDefinition,
  type CustomValue,
  checkCustomValues,
  customValueFromText,
} from "../custom-fields/custom-values";
import { EmailSchema, MobilePhoneSchema } from "../platform/schemas";
import { nameKey, normaliseText } from "../platform/text-normalise";
import {
  CUSTOM_TARGET_PREFIX,
  type CustomTarget,
  type ImportField,
  type ImportMapping,
  isCustomTarget,
} from "./imports.schema";

export interface RowError {
  field: ImportField | CustomTarget | "row";
  code: string;
  message: string;
}

/** What readRow needs besides the row: the contact custom fields and the file's header. */
export interface RowContext {
  definitions: readonly (CustomFieldDefinition & { labelEn: string })[];
  headers: string[];
}

/** A row turned into contact fields, ready to write. */
export interface ImportedContact {
  name: string;
  nameNorm: string;
  nameKey: string;
  phones: string[];
  email: string | null;
  source: (typeof CONTACT_SOURCES)[number] | null;
  status: (typeof CONTACT_STATUSES)[number] | null;
  tags: string[];
  notes: string | null;
  /** The row's non-empty custom values, checked (an empty cell never clears a stored value). */
  custom: Record<string, Exclude<CustomValue, null>>;
}

/** Values a spreadsheet may hold for an enum: its code, or its label in Arabic or English. */
function enumReader<T extends string>(codes: readonly T[], labels: Record<T, string>[]) {
  const byWord = new Map<string, T>();
  for (const code of codes) {
    byWord.set(normaliseText(code.replaceAll("_", " ")), code);
    byWord.set(normaliseText(code), code);
    for (const label of labels) byWord.set(normaliseText(label[code]), code);
  }
  return (value: string) =>
    byWord.get(normaliseText(value.replaceAll("_", " "))) ?? byWord.get(normaliseText(value));
}

const readSource = enumReader(CONTACT_SOURCES, [ar.contacts.sources, en.contacts.sources]);
const readStatus = enumReader(CONTACT_STATUSES, [ar.contacts.statuses, en.contacts.statuses]);

// Several phones or tags in one cell: separated by commas (Latin or Arabic), semicolons, pipes or
// line breaks. Phones may also be separated by " / ".
const LIST_SEPARATORS = /[,،;|\n]+/;
const PHONE_SEPARATORS = /[,،;|\n/]+/;

const split = (value: string, separators: RegExp) =>
  value
    .split(separators)
    .map((part) => part.trim())
    .filter(Boolean);

/** The cell of a mapped field, or "" when no column is mapped to it. */
function cellsOf(raw: string[], mapping: ImportMapping) {
  const cells: Partial<Record<ImportField, string>> = {};
  for (const [column, field] of Object.entries(mapping)) {
    if (!isCustomTarget(field)) cells[field] = raw[Number(column)]?.trim() ?? "";
  }
  return cells;
}

const columnName = (headers: string[], column: number) => headers[column] || `#${column + 1}`;

/**
 * The row's custom cells, converted from text (customValueFromText) and checked against the
 * definitions (checkCustomValues). Empty cells are left out, so an update keeps what is stored.
 * Each error names the column it came from.
 */
function readCustomCells(raw: string[], mapping: ImportMapping, context: RowContext) {
  const byKey = new Map(context.definitions.map((definition) => [definition.key, definition]));
  const given: Record<string, unknown> = {};
  const columnOf = new Map<string, string>();
  for (const [column, target] of Object.entries(mapping)) {
    if (!isCustomTarget(target)) continue;
    const key = target.slice(CUSTOM_TARGET_PREFIX.length);
    const cell = raw[Number(column)]?.trim() ?? "";
    if (cell === "") continue;
    const definition = byKey.get(key);
    given[key] = definition ? customValueFromText(definition, cell) : cell;
    columnOf.set(key, columnName(context.headers, Number(column)));
  }
  const checked = checkCustomValues(context.definitions, given, { partial: true });
  const errors: RowError[] = checked.errors.map((error) => {
    const key = error.path.slice(CUSTOM_TARGET_PREFIX.length);
    return {
      field: error.path as CustomTarget,
      code: error.code,
      message: `Column "${columnOf.get(key) ?? key}": ${error.message}`,
    };
  });
  return { values: checked.values as ImportedContact["custom"], errors };
}

/**
 * A new contact needs every active required custom field: the errors for those the row leaves
 * empty (an update does not, the stored contact may have them).
 */
export function missingRequiredCustom(
  definitions: RowContext["definitions"],
  custom: ImportedContact["custom"],
): RowError[] {
  return definitions
    .filter(
      (definition) => definition.required && definition.archivedAt === null && !(definition.key in custom),
    )
    .map((definition) => ({
      field: `${CUSTOM_TARGET_PREFIX}${definition.key}` as CustomTarget,
      code: "required",
      message: `"${definition.labelEn}" is required for a new contact.`,
    }));
}

/**
 * Validates one CSV row against the contact rules (the same schemas as the contacts API). Every
 * problem of the row is reported, not only the first.
 */
export function readRow(
  raw: string[],
  mapping: ImportMapping,
  context: RowContext,
): { ok: true; contact: ImportedContact } | { ok: false; errors: RowError[] } {
  const cells = cellsOf(raw, mapping);
  const errors: RowError[] = [];

  const name = ContactNameSchema.safeParse(cells.name ?? "");
  if (!name.success) {
    errors.push({ field: "name", code: "required", message: "A name is required (at most 150 characters)." });
  }

  const phoneParts = split(cells.phone ?? "", PHONE_SEPARATORS);
  const phones: string[] = [];
  for (const part of phoneParts) {
    const phone = MobilePhoneSchema.safeParse(part);
    if (phone.success) phones.push(phone.data);
    else
      errors.push({ field: "phone", code: "invalid_phone", message: phone.error.issues[0]?.message ?? "" });
  }
  if (new Set(phones).size > MAX_PHONES) {
    errors.push({ field: "phone", code: "too_many", message: `At most ${MAX_PHONES} phones.` });
  }

  let email: string | null = null;
  if (cells.email) {
    const parsed = EmailSchema.safeParse(cells.email);
    if (parsed.success) email = parsed.data;
    else errors.push({ field: "email", code: "invalid_email", message: "Not an email address." });
  }

  let source: ImportedContact["source"] = null;
  if (cells.source) {
    source = readSource(cells.source) ?? null;
    if (!source) {
      errors.push({
        field: "source",
        code: "invalid_source",
        message: `Use one of: ${CONTACT_SOURCES.join(", ")}.`,
      });
    }
  }

  let status: ImportedContact["status"] = null;
  if (cells.status) {
    status = readStatus(cells.status) ?? null;
    if (!status) {
      errors.push({
        field: "status",
        code: "invalid_status",
        message: `Use one of: ${CONTACT_STATUSES.join(", ")}.`,
      });
    }
  }

  const tags: string[] = [];
  for (const part of split(cells.tags ?? "", LIST_SEPARATORS)) {
    const tag = TagSchema.safeParse(part);
    if (tag.success) tags.push(tag.data);
    else errors.push({ field: "tags", code: "invalid_tag", message: "A tag has at most 40 characters." });
  }
  if (new Set(tags).size > MAX_TAGS) {
    errors.push({ field: "tags", code: "too_many", message: `At most ${MAX_TAGS} tags.` });
  }

  const notes = cells.notes ? cells.notes : null;
  if (notes && notes.length > 5000) {
    errors.push({ field: "notes", code: "too_long", message: "Notes have at most 5000 characters." });
  }

  const custom = readCustomCells(raw, mapping, context);
  errors.push(...custom.errors);

  if (errors.length > 0 || !name.success) return { ok: false, errors };
  return {
    ok: true,
    contact: {
      name: name.data,
      nameNorm: normaliseText(name.data),
      nameKey: nameKey(name.data),
      phones: [...new Set(phones)],
      email,
      source,
      status,
      tags: [...new Set(tags)],
      notes,
      custom: custom.values,
    },
  };
}

/**
 * The keys a row is recognised by, strongest first (phones, then email, then name key), for
 * finding repeats within the file before any row is written. Invalid cells give no key.
 */
export function identityKeys(raw: string[], mapping: ImportMapping): string[] {
  const cells = cellsOf(raw, mapping);
  const keys: string[] = [];
  for (const part of split(cells.phone ?? "", PHONE_SEPARATORS)) {
    const phone = MobilePhoneSchema.safeParse(part);
    if (phone.success) keys.push(`p:${phone.data}`);
  }
  if (cells.email) {
    const email = EmailSchema.safeParse(cells.email);
    if (email.success) keys.push(`e:${email.data}`);
  }
  const name = ContactNameSchema.safeParse(cells.name ?? "");
  if (name.success && nameKey(name.data)) keys.push(`n:${nameKey(name.data)}`);
  return keys;
}

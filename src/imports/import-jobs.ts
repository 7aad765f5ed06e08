import { auditInsertIfChanged } from "../audit/audit.service";
import { isPlanLimitRefusal, meter } from "../billing/usage";
import type { ContactRow } from "../contacts/contacts.repo";
import { roundRobinAgents, settingsRow } from "../crm/crm-settings.repo";
import { customFieldDefinitionsFor } from "../custom-fields/custom-fields.repo";
import { dbFor } from "../db/client";
import type { DeadLetterQueue } from "../dead-letters/dead-letters.service";
import { idPrefixes, newId } from "../platform/ids";
import { tenantScope } from "../platform/tenant-scope";
import {
  type ImportedContact,
  identityKeys,
  missingRequiredCustom,
  type RowError,
  readRow,
} from "./import-row";
import {
  addChunkCounts,
  allRawRows,
  type ChunkOutcome,
  type ContactInsert,
  chunkRows,
  finishIfComplete,
  importById,
  insertContacts,
  insertPhoneRows,
  insertTagRows,
  markFailed,
  markProcessing,
  markRepeats,
  pendingRowNumbers,
  type RowResult,
  type Statement,
  saveRowResults,
  storedMatches,
  takeTurns,
  updateMatchedContact,
} from "./imports.repo";

/** Rows per queue message: one D1 batch of about 70 statements. */
export const CHUNK_ROWS = 200;

export type ImportMessage =
  | { kind: "prepare"; tenantId: string; importId: string }
  | { kind: "chunk"; tenantId: string; importId: string; fromRow: number; toRow: number };

/**
 * How the imports dead-letter queue stores a message. The message holds ids and row numbers only,
 * never row content (that stays in D1's import_rows), so minimising keeps exactly its known fields:
 * a field added later is not stored until someone decides it is safe to.
 */
export const importDeadLetters: DeadLetterQueue<ImportMessage> = {
  queue: "imports",
  // wrangler.toml: max_retries = 3 for the imports consumer.
  attempts: 4,
  minimise: (message) =>
    message.kind === "prepare"
      ? { kind: message.kind, tenantId: message.tenantId, importId: message.importId }
      : {
          kind: message.kind,
          tenantId: message.tenantId,
          importId: message.importId,
          fromRow: message.fromRow,
          toRow: message.toRow,
        },
};

export interface ImportJobEnv {
  DB: D1Database;
  IMPORTS_QUEUE: Queue<ImportMessage>;
}

const scopeFor = (env: ImportJobEnv, tenantId: string) => tenantScope(dbFor(env.DB), tenantId);

/**
 * The first message of a started import: finds rows that repeat an earlier row of the file (so
 * chunks running side by side still see them), moves the import to processing and sends one
 * message per chunk. Safe to run twice: a second run only re-sends the chunks still pending, and a
 * chunk processed twice is written once (processChunk).
 */
export async function prepareImport(
  env: ImportJobEnv,
  message: Extract<ImportMessage, { kind: "prepare" }>,
): Promise<"prepared" | "nothing_to_do"> {
  const scope = scopeFor(env, message.tenantId);
  const [[current]] = await scope.db.batch([importById(scope, message.importId)]);
  if (!current?.mapping) return "nothing_to_do";
  if (current.status === "queued") {
    const [rows] = await scope.db.batch([allRawRows(scope, message.importId)]);
    const firstSeen = new Map<string, number>();
    const repeats: [number, number][] = [];
    for (const row of rows) {
      const keys = identityKeys(row.raw, current.mapping);
      const earlier = keys.map((key) => firstSeen.get(key)).find((of) => of !== undefined);
      if (earlier !== undefined) repeats.push([row.rowNumber, earlier]);
      for (const key of keys) if (!firstSeen.has(key)) firstSeen.set(key, earlier ?? row.rowNumber);
    }
    await scope.db.batch([
      markProcessing(scope, message.importId, Date.now()),
      ...markRepeats(scope, message.importId, repeats),
    ]);
  } else if (current.status !== "processing") {
    return "nothing_to_do";
  }
  const [pending] = await scope.db.batch([pendingRowNumbers(scope, message.importId)]);
  const starts = new Set(pending.map((row) => Math.floor((row.rowNumber - 1) / CHUNK_ROWS) * CHUNK_ROWS + 1));
  const chunks = [...starts].map((fromRow) => ({
    body: {
      kind: "chunk" as const,
      tenantId: message.tenantId,
      importId: message.importId,
      fromRow,
      toRow: fromRow + CHUNK_ROWS - 1,
    },
  }));
  // sendBatch takes at most 100 messages.
  for (let start = 0; start < chunks.length; start += 100) {
    await env.IMPORTS_QUEUE.sendBatch(chunks.slice(start, start + 100));
  }
  if (chunks.length === 0) {
    await scope.db.batch([finishIfComplete(scope, message.importId, Date.now())]);
  }
  return "prepared";
}

type Match = { contact: ContactRow & { phonesJson: string }; on: "phone" | "email" | "name" };

/** The stored contact a row duplicates: a shared phone first, then the email, then the name key. */
function matchFor(contact: ImportedContact, stored: (ContactRow & { phonesJson: string })[]): Match | null {
  for (const candidate of stored) {
    const phones = JSON.parse(candidate.phonesJson) as string[];
    if (contact.phones.some((phone) => phones.includes(phone))) return { contact: candidate, on: "phone" };
  }
  const byEmail = contact.email ? stored.find((candidate) => candidate.email === contact.email) : undefined;
  if (byEmail) return { contact: byEmail, on: "email" };
  const byName = stored.find((candidate) => candidate.nameKey === contact.nameKey);
  return byName ? { contact: byName, on: "name" } : null;
}

const skippedAs = (code: string, message: string): RowError[] => [{ field: "row", code, message }];

/**
 * Processes one chunk of rows: validates each pending row, applies the duplicate action and writes
 * the contacts, their phones and tags, each row's outcome and the import's counters in ONE D1
 * batch. A delivery of a chunk that is already written (at-least-once delivery) fails that batch
 * on the counters' guard and writes nothing. Returns what happened, for logs and tests.
 */
export async function processChunk(
  env: ImportJobEnv,
  message: Extract<ImportMessage, { kind: "chunk" }>,
  now = Date.now(),
): Promise<"written" | "nothing_to_do"> {
  const scope = scopeFor(env, message.tenantId);
  const [[current], rows, [settings], agents, definitions] = await scope.db.batch([
    importById(scope, message.importId),
    chunkRows(scope, message.importId, message.fromRow, message.toRow),
    settingsRow(scope),
    roundRobinAgents(scope),
    customFieldDefinitionsFor(scope, "contact"),
  ]);
  const pending = rows.filter((row) => row.status === "pending");
  if (current?.status !== "processing" || !current.mapping || pending.length === 0) {
    return "nothing_to_do";
  }
  const action = current.duplicateAction ?? "skip";
  const importer = current.createdByType === "user" ? current.createdBy : null;
  const importerIsAgent = current.createdByType === "user" && current.createdByRole === "agent";

  const rowContext = { definitions, headers: current.headers };
  const read = pending.map((row) => ({ row, result: readRow(row.raw, current.mapping ?? {}, rowContext) }));
  const valid = read.flatMap(({ row, result }) => (result.ok ? [{ row, contact: result.contact }] : []));

  let stored: (ContactRow & { phonesJson: string })[] = [];
  if (action !== "create" && valid.length > 0) {
    [stored] = await scope.db.batch([
      storedMatches(scope, {
        phones: valid.flatMap(({ contact }) => contact.phones),
        emails: valid.flatMap(({ contact }) => (contact.email ? [contact.email] : [])),
        nameKeys: valid.map(({ contact }) => contact.nameKey).filter(Boolean),
      }),
    ]);
  }

  // Agents' own leads stay theirs (as in createContact); others follow the tenant's rule.
  const roundRobin = !importerIsAgent && settings?.assignment === "round_robin" && agents.length > 0;
  const mayEdit = (owner: string | null) =>
    !importerIsAgent || owner === importer || settings?.visibility === "all";

  const results: RowResult[] = [];
  const newContacts: ContactInsert[] = [];
  const phones: { tenantId: string; contactId: string; phone: string; position: number }[] = [];
  const tags: { tenantId: string; contactId: string; tag: string }[] = [];
  const updates: Statement[] = [];

  for (const { row, result } of read) {
    if (!result.ok) {
      results.push({ rowNumber: row.rowNumber, status: "failed", contactId: null, error: result.errors });
      continue;
    }
    const contact = result.contact;
    if (row.duplicateOfRow !== null && action !== "create") {
      results.push({
        rowNumber: row.rowNumber,
        status: "skipped",
        contactId: null,
        error: skippedAs("duplicate_in_file", `Repeats row ${row.duplicateOfRow} of this file.`),
      });
      continue;
    }
    const match = action === "create" ? null : matchFor(contact, stored);
    if (match && action === "skip") {
      results.push({
        rowNumber: row.rowNumber,
        status: "skipped",
        contactId: mayEdit(match.contact.ownerId) ? match.contact.id : null,
        error: skippedAs(`duplicate_${match.on}`, `A contact with the same ${match.on} exists.`),
      });
      continue;
    }
    if (match) {
      if (!mayEdit(match.contact.ownerId)) {
        results.push({
          rowNumber: row.rowNumber,
          status: "skipped",
          contactId: null,
          error: skippedAs(
            `duplicate_${match.on}`,
            `A contact assigned to another member has the same ${match.on}; it was not changed.`,
          ),
        });
        continue;
      }
      const id = match.contact.id;
      updates.push(
        updateMatchedContact(
          scope,
          id,
          {
            name: contact.name,
            nameNorm: contact.nameNorm,
            nameKey: contact.nameKey,
            ...(contact.email ? { email: contact.email } : {}),
            ...(contact.status ? { status: contact.status } : {}),
            ...(contact.notes ? { notes: contact.notes } : {}),
            phone: contact.phones[0] ?? null,
            custom: contact.custom,
          },
          now,
        ),
      );
      contact.phones.forEach((phone, index) => {
        phones.push({ tenantId: scope.tenantId, contactId: id, phone, position: 100 + index });
      });
      for (const tag of contact.tags) tags.push({ tenantId: scope.tenantId, contactId: id, tag });
      results.push({ rowNumber: row.rowNumber, status: "updated", contactId: id, error: null });
      continue;
    }
    const missing = missingRequiredCustom(definitions, contact.custom);
    if (missing.length > 0) {
      results.push({ rowNumber: row.rowNumber, status: "failed", contactId: null, error: missing });
      continue;
    }
    const id = newId(idPrefixes.contact);
    const ownerId = roundRobin
      ? (agents[((settings?.roundRobinTurn ?? 0) + newContacts.length) % agents.length]?.userId ?? importer)
      : importer;
    newContacts.push({
      id,
      tenantId: scope.tenantId,
      name: contact.name,
      nameNorm: contact.nameNorm,
      nameKey: contact.nameKey,
      phone: contact.phones[0] ?? null,
      email: contact.email,
      source: contact.source ?? "import",
      status: contact.status ?? "new",
      ownerId,
      companyId: null,
      notes: contact.notes,
      custom: contact.custom,
      sample: false,
      mergedIntoId: null,
      createdBy: current.createdBy,
      createdAt: now,
      updatedAt: now,
      lastContactedAt: null,
      version: 1,
    });
    contact.phones.forEach((phone, position) => {
      phones.push({ tenantId: scope.tenantId, contactId: id, phone, position });
    });
    for (const tag of contact.tags) tags.push({ tenantId: scope.tenantId, contactId: id, tag });
    results.push({ rowNumber: row.rowNumber, status: "created", contactId: id, error: null });
  }

  const newIds = new Set(newContacts.map((contact) => contact.id));
  const write = (created: ContactInsert[], rowResults: RowResult[]) => {
    const createdIds = new Set(created.map((contact) => contact.id));
    const kept = <T extends { contactId: string }>(rows: T[]) =>
      rows.filter((row) => createdIds.has(row.contactId) || !newIds.has(row.contactId));
    const outcome: ChunkOutcome = {
      pending: pending.length,
      created: created.length,
      updated: rowResults.filter((r) => r.status === "updated").length,
      skipped: rowResults.filter((r) => r.status === "skipped").length,
      failed: rowResults.filter((r) => r.status === "failed").length,
    };
    const rowNumbers = pending.map((row) => row.rowNumber);
    return scope.db.batch([
      addChunkCounts(scope, message.importId, rowNumbers, outcome, now),
      // The plan's contact limit covers the whole chunk: past it, the batch is refused as one.
      ...(created.length > 0 ? [meter(scope, "contacts", created.length, now)] : []),
      ...(roundRobin && created.length > 0
        ? [takeTurns(scope, settings?.roundRobinTurn ?? 0, created.length, now)]
        : []),
      ...insertContacts(scope, created),
      ...updates,
      ...insertPhoneRows(scope, kept(phones)),
      ...insertTagRows(scope, kept(tags)),
      ...saveRowResults(scope, message.importId, rowResults),
      finishIfComplete(scope, message.importId, now),
      auditInsertIfChanged(
        scope.db,
        {
          tenantId: scope.tenantId,
          actor: importer ? { type: "user", id: importer } : { type: "api_key", id: current.createdBy },
          action: "contacts.imported",
          target: { type: "import", id: message.importId },
          details: { rows: current.totalRows, encoding: current.encoding, duplicateAction: action },
        },
        { requestId: null, ip: null },
        now,
      ),
    ]);
  };
  try {
    await write(newContacts, results);
  } catch (error) {
    if (!isPlanLimitRefusal(error)) throw error;
    // Past the plan's contact limit: the chunk's updates still apply, its new rows fail with the
    // reason, and the import finishes, so the owner sees which rows to bring back after upgrading.
    await write(
      [],
      results.map((result) =>
        result.status === "created"
          ? { ...result, status: "failed", contactId: null, error: [PLAN_LIMIT_ROW_ERROR] }
          : result,
      ),
    );
  }
  return "written";
}

const PLAN_LIMIT_ROW_ERROR = {
  field: "",
  code: "plan_limit",
  message: "Your plan's contact limit is reached; upgrade, then import this row again.",
};

/** A chunk that exhausted its retries: the import is marked failed with the rows it could not write. */
export async function failImport(env: ImportJobEnv, message: ImportMessage, now = Date.now()) {
  const scope = scopeFor(env, message.tenantId);
  const reason =
    message.kind === "chunk"
      ? `Rows ${message.fromRow}-${message.toRow} could not be processed after several attempts.`
      : "The import could not be prepared after several attempts.";
  const [changed] = await scope.db.batch([markFailed(scope, message.importId, reason, now)]);
  return changed.length > 0;
}

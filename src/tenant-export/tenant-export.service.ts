import { makeZip } from "client-zip";
import { getTableColumns } from "drizzle-orm";
import Papa from "papaparse";
import { auditInsert } from "../audit/audit.service";
import type { TenantContext } from "../platform/context";
import {
  type Cursor,
  EXPORTED_OBJECTS,
  type ExportedObject,
  exportPage,
  membersOf,
} from "./tenant-export.repo";

/** Rows read per D1 query: pages of this size keep the Worker's memory flat, whatever the tenant holds. */
export const EXPORT_PAGE_SIZE = 500;

type Row = Record<string, unknown>;

async function* pagesOf(ctx: TenantContext, object: ExportedObject): AsyncGenerator<Row[]> {
  let cursor: Cursor | null = null;
  for (;;) {
    const [rows] = await ctx.scope.read(
      () => [exportPage(ctx.scope, object, cursor, EXPORT_PAGE_SIZE)] as const,
    );
    if (rows.length === 0) return;
    const last = rows[rows.length - 1] as Row;
    cursor = JSON.parse(last.keyset as string) as Cursor;
    yield rows.map(({ keyset: _keyset, ...row }) => row as Row);
    if (rows.length < EXPORT_PAGE_SIZE) return;
  }
}

const cell = (value: unknown) =>
  value === null || value === undefined
    ? ""
    : typeof value === "object"
      ? JSON.stringify(value)
      : String(value);

// As the list exports (src/imports/csv-export.ts): a BOM and CRLF for Excel, and cells a spreadsheet
// would run as formulae prefixed with ' (CSV injection).
const csvLines = (rows: string[][]) => `${Papa.unparse(rows, { newline: "\r\n", escapeFormulae: true })}\r\n`;

async function* csvOf(pages: AsyncGenerator<Row[]>, columns: string[]): AsyncGenerator<string> {
  yield `\uFEFF${csvLines([columns])}`;
  for await (const rows of pages)
    yield csvLines(rows.map((row) => columns.map((column) => cell(row[column]))));
}

async function* jsonOf(pages: AsyncGenerator<Row[]>): AsyncGenerator<string> {
  yield "[";
  let first = true;
  for await (const rows of pages) {
    for (const row of rows) {
      yield `${first ? "\n" : ",\n"}${JSON.stringify(row)}`;
      first = false;
    }
  }
  yield "\n]\n";
}

const columnsOf = (object: ExportedObject) => [
  ...Object.keys(getTableColumns(object.table)),
  ...Object.keys(object.extra ?? {}),
];

/**
 * The whole tenant as a ZIP stream: per object a CSV and a JSON file, each read afresh a page at
 * a time while the archive is written, so only one page is in memory. Not a snapshot: a record
 * changed during the download may appear in one file as before and in the other as after.
 * The request is audited before the first byte (even while the account is read-only or closing:
 * exporting is what an owner does before leaving).
 */
export async function tenantExport(ctx: TenantContext) {
  const [members] = await ctx.scope.read(() => [membersOf(ctx.scope)] as const);
  await ctx.scope.write(
    [
      auditInsert(
        ctx.scope.db,
        {
          tenantId: ctx.scope.tenantId,
          actor: ctx.actor,
          action: "tenant.exported",
          details: { objects: EXPORTED_OBJECTS.length + 1 },
        },
        ctx.origin,
        ctx.now,
      ),
    ],
    { evenWhenReadOnly: true },
  );
  const lastModified = new Date(ctx.now);
  async function* files() {
    const memberColumns = ["userId", "name", "email", "phone", "role", "joinedAt"];
    const memberPages = async function* () {
      yield members as Row[];
    };
    yield { name: "members.csv", lastModified, input: csvOf(memberPages(), memberColumns) };
    yield { name: "members.json", lastModified, input: jsonOf(memberPages()) };
    for (const object of EXPORTED_OBJECTS) {
      yield {
        name: `${object.name}.csv`,
        lastModified,
        input: csvOf(pagesOf(ctx, object), columnsOf(object)),
      };
      yield { name: `${object.name}.json`, lastModified, input: jsonOf(pagesOf(ctx, object)) };
    }
  }
  return makeZip(files());
}

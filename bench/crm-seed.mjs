// The CRM volume the bench measures against (issue 7): one tenant (the demo Riyadh Realty) with
// 50,000 contacts, 20,000 deals and 100,000 activities, written straight to D1 with multi-row
// INSERTs of literal values (no bound parameters, so D1's 100-parameter limit does not apply).
// The search index triggers run for every row, as they would for rows written by the API.
import { nameKey, normaliseText } from "../src/platform/text-normalise.ts";

export const CRM_VOLUME = { contacts: 50_000, deals: 20_000, activities: 100_000 };

export const BENCH_TENANT = "ten_riyadhrealty00000001";
const OWNERS = [
  "usr_riyadhowner000000001",
  "usr_riyadhmanager0000001",
  "usr_riyadhagent000000001",
  "usr_riyadhagent000000002",
];
/** The agent whose qualified leads the list scenario asks for. */
export const BENCH_AGENT = OWNERS[2];
export const BENCH_PIPELINE = "pip_benchsales000000001";
export const BENCH_STAGES = [
  "stg_benchnew0000000001",
  "stg_benchviewing00000001",
  "stg_benchnegotiate000001",
];

const FIRST = [
  "محمد",
  "أحمد",
  "عبدالله",
  "فهد",
  "خالد",
  "سارة",
  "نورة",
  "ريم",
  "فيصل",
  "هيا",
  "Mohammed",
  "Sarah",
  "Omar",
];
const LAST = [
  "العتيبي",
  "القحطاني",
  "الشهري",
  "الغامدي",
  "الدوسري",
  "الحربي",
  "Al-Qahtani",
  "Al-Harbi",
  "الزهراني",
];
const STATUSES = ["new", "contacted", "qualified", "unqualified", "customer"];
const SOURCES = ["whatsapp", "web_form", "walk_in", "referral", "property_portal"];
const KINDS = ["note", "call", "visit", "meeting", "task"];

const quote = (value) =>
  value === null
    ? "NULL"
    : typeof value === "number"
      ? String(value)
      : `'${String(value).replaceAll("'", "''")}'`;
const pad = (n, width) => String(n).padStart(width, "0");
/** An id of the app's shape: prefix and 20 lowercase letters or digits. */
const benchId = (prefix, n) => `${prefix}_bench${pad(n, 15)}`;
export const benchContactId = (n) => benchId("con", n);
export const benchDealId = (n) => benchId("deal", n);

function insertStatements(table, columns, rows, rowsPerStatement = 150) {
  const statements = [];
  for (let i = 0; i < rows.length; i += rowsPerStatement) {
    const values = rows
      .slice(i, i + rowsPerStatement)
      .map((row) => `(${row.map(quote).join(",")})`)
      .join(",");
    statements.push(`INSERT INTO ${table} (${columns.join(",")}) VALUES ${values}`);
  }
  return statements;
}

/** Writes the volume; returns what the scenarios need (ids that exist, a name to search for). */
export async function seedCrmVolume(db, scale = 1) {
  const started = Date.now();
  const volume = Object.fromEntries(
    Object.entries(CRM_VOLUME).map(([kind, n]) => [kind, Math.ceil(n * scale)]),
  );
  const now = Date.now();
  const contacts = [];
  const phones = [];
  for (let n = 0; n < volume.contacts; n++) {
    const name = `${FIRST[n % FIRST.length]} ${LAST[Math.floor(n / FIRST.length) % LAST.length]} ${n}`;
    const phone = `+9665${pad(50_000_000 + n, 8)}`;
    contacts.push([
      benchContactId(n),
      BENCH_TENANT,
      name,
      normaliseText(name),
      nameKey(name),
      phone,
      n % 7 === 0 ? `lead${n}@example.sa` : null,
      SOURCES[n % SOURCES.length],
      STATUSES[n % STATUSES.length],
      OWNERS[n % OWNERS.length],
      "{}",
      now - n * 60_000,
      now - n * 60_000,
    ]);
    phones.push([BENCH_TENANT, benchContactId(n), phone, 0]);
  }
  const stages = BENCH_STAGES.map((id, position) => [
    id,
    BENCH_TENANT,
    BENCH_PIPELINE,
    `Stage ${position + 1}`,
    "open",
    20 * (position + 1),
    position,
    now,
  ]);
  const deals = [];
  for (let n = 0; n < volume.deals; n++) {
    const title = `فيلا حي النرجس ${n}`;
    deals.push([
      benchDealId(n),
      BENCH_TENANT,
      title,
      normaliseText(title),
      benchContactId(n * 2),
      BENCH_PIPELINE,
      BENCH_STAGES[n % BENCH_STAGES.length],
      100_000 * (n % 50) + 50_000_00,
      OWNERS[(n * 2) % OWNERS.length],
      n,
      now - n * 30_000,
      now - n * 30_000,
      now - n * 30_000,
    ]);
  }
  const activities = [];
  for (let n = 0; n < volume.activities; n++) {
    const contact = n % volume.contacts;
    activities.push([
      benchId("act", n),
      BENCH_TENANT,
      KINDS[n % KINDS.length],
      benchContactId(contact),
      contact % 2 === 0 && contact / 2 < volume.deals ? benchDealId(contact / 2) : null,
      `ملاحظة رقم ${n}`,
      now - n * 10_000,
      KINDS[n % KINDS.length] === "task" ? now + (n % 20) * 3_600_000 : null,
      OWNERS[contact % OWNERS.length],
      now - n * 10_000,
      now - n * 10_000,
    ]);
  }
  const statements = [
    `INSERT INTO pipelines (id, tenant_id, name, is_default, position, created_at, updated_at) VALUES ('${BENCH_PIPELINE}', '${BENCH_TENANT}', 'المبيعات', 1, 0, ${now}, ${now})`,
    ...insertStatements(
      "pipeline_stages",
      ["id", "tenant_id", "pipeline_id", "name", "kind", "probability", "position", "created_at"],
      stages,
    ),
    ...insertStatements(
      "contacts",
      [
        "id",
        "tenant_id",
        "name",
        "name_norm",
        "name_key",
        "phone",
        "email",
        "source",
        "status",
        "owner_id",
        "custom",
        "created_at",
        "updated_at",
      ],
      contacts,
    ),
    ...insertStatements("contact_phones", ["tenant_id", "contact_id", "phone", "position"], phones),
    ...insertStatements(
      "deals",
      [
        "id",
        "tenant_id",
        "title",
        "title_norm",
        "contact_id",
        "pipeline_id",
        "stage_id",
        "amount_halalas",
        "owner_id",
        "board_rank",
        "created_at",
        "updated_at",
        "stage_changed_at",
      ],
      deals,
    ),
    ...insertStatements(
      "activities",
      [
        "id",
        "tenant_id",
        "kind",
        "contact_id",
        "deal_id",
        "body",
        "occurred_at",
        "due_at",
        "assignee_id",
        "created_at",
        "updated_at",
      ],
      activities,
    ),
  ];
  // D1 caps a statement at 100,000 bytes: 150 rows of a few hundred bytes each stay under it.
  for (let i = 0; i < statements.length; i += 25) {
    await db.batch(statements.slice(i, i + 25).map((statement) => db.prepare(statement)));
  }
  return { seconds: (Date.now() - started) / 1000 };
}

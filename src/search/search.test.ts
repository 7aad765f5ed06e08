import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createTenant } from "../../test/fixtures";
import { call, callCountingD1, expectProblem } from "../../test/helpers";
import { companies } from "../companies/companies.schema";
import { contactPhones, contacts } from "../contacts/contacts.schema";
import { crmSettings } from "../crm/crm.schema";
import { deals } from "../deals/deals.schema";
import { tenantScope } from "../platform/tenant-scope";
import { nameKey, normaliseText } from "../platform/text-normalise";
// @ts-expect-error -- Vite's ?raw import: the file's text (no type declaration for .sql).
import rebuildIndexSql from "./rebuild-index.sql?raw";
import { contactMatches } from "./search.repo";
import { addCompany, addContact, addDeal, db } from "./search.test-records";

type Tenant = Awaited<ReturnType<typeof createTenant>>;
type Auth = { Authorization: string };

interface Hit {
  kind: string;
  id: string;
  title: string;
  phone: string | null;
  email: string | null;
  vatNumber: string | null;
  amountHalalas: number | null;
}

async function searchFor(auth: Auth, q: string, params = "") {
  const res = await call(`/api/v1/search?q=${encodeURIComponent(q)}${params}`, { headers: auth });
  expect(res.status, `search ${JSON.stringify(q)}`).toBe(200);
  return ((await res.json()) as { data: Hit[] }).data;
}
const idsFound = async (auth: Auth, q: string, params = "") =>
  (await searchFor(auth, q, params)).map((h) => h.id);

const setVisibility = (tenantId: string, visibility: "own" | "all") =>
  db
    .insert(crmSettings)
    .values({ tenantId, visibility, updatedAt: Date.now() })
    .onConflictDoUpdate({ target: crmSettings.tenantId, set: { visibility } });

describe("GET /api/v1/search", () => {
  let home: Tenant;
  let other: Tenant;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    [home, other] = await Promise.all([createTenant("Home"), createTenant("Other")]);
    const t = home.tenantId;
    ids.mohammed = await addContact(t, "مُحَمَّد العُتَيْبِي", { phones: ["+966551234567"] });
    ids.ahmed = await addContact(t, "أحمد الغامدي");
    ids.noura = await addContact(t, "نورة القحطاني", { email: "noura@riyadh-realty.sa" });
    ids.muhammadLatin = await addContact(t, "Muhammad Al-Harbi", {
      phones: ["+971507654321", "+966509876543"],
    });
    ids.abdullah = await addContact(t, "عبد الله السبيعي");
    ids.tatweel = await addContact(t, "سـعـود الدوسري");
    ids.company = await addCompany(t, "شركة إعمار الرياض", "300123456700003");
    ids.deal = await addDeal(t, "فيلا في حي النرجس", 250_000_000);
    ids.otherTenantContact = await addContact(other.tenantId, "محمد العتيبي", { phones: ["+966551234567"] });
    ids.otherTenantDeal = await addDeal(other.tenantId, "فيلا في حي النرجس", 1);
  });

  it.each([
    ["harakat in the record, none in the query", "محمد", "mohammed"],
    ["harakat in the query, none in the record", "مُحَمَّد", "mohammed"],
    ["hamza forms: احمد finds أحمد", "احمد", "ahmed"],
    ["hamza forms: إحمد finds أحمد", "إحمد", "ahmed"],
    ["taa marbuta: نوره finds نورة", "نوره", "noura"],
    ["taa marbuta: نورة finds نورة", "نورة", "noura"],
    ["tatweel in the record", "سعود", "tatweel"],
    ["a word being typed (prefix)", "القحط", "noura"],
    ["two words, the last one partial", "محمد العت", "mohammed"],
    ["a family name without the article", "عتيبي", "mohammed"],
    ["a transliteration: Mohammed finds Muhammad", "Mohammed", "muhammadLatin"],
    ["a transliteration: محمد finds Muhammad", "محمد", "muhammadLatin"],
    ["a transliteration: Noura finds نورة", "Noura", "noura"],
    ["Latin case and accents", "MÜHAMMAD", "muhammadLatin"],
    ["Al- with a hyphen", "al-harbi", "muhammadLatin"],
    ["a hyphen inside an Arabic name", "عبد-الله", "abdullah"],
    ["a name written apart, searched joined", "عبدالله", "abdullah"],
    ["a transliteration: Abdullah finds عبد الله", "Abdullah", "abdullah"],
  ])("finds a contact by %s", async (_label, q, key) => {
    expect(await idsFound(home.owner.auth, q)).toContain(ids[key]);
  });

  it.each([
    ["the local form, partial", "0551234"],
    ["the national number, partial", "551234"],
    ["the international digits, partial", "966551234"],
    ["the last four digits", "4567"],
    ["digits from the middle", "12345"],
    ["the whole number with spaces", "055 123 4567"],
    ["the whole number in E.164 with spaces", "+966 55 123 4567"],
    ["the whole number with (0)", "+966 (0)55 123 4567"],
    ["00 and the country code", "00966551234"],
    ["Arabic-Indic digits", "٠٥٥١٢٣٤"],
    ["Persian digits", "۵۵۱۲۳۴۵"],
    ["full-width digits", "０５５１２３４"],
  ])("finds a contact by its phone: %s", async (_label, q) => {
    expect(await idsFound(home.owner.auth, q)).toEqual([ids.mohammed]);
  });

  it("finds every phone of a contact, not only the first", async () => {
    expect(await idsFound(home.owner.auth, "0509876")).toEqual([ids.muhammadLatin]);
    expect(await idsFound(home.owner.auth, "971507")).toEqual([ids.muhammadLatin]);
  });

  it("finds a contact by email, whole or partial, and answers the hints", async () => {
    for (const q of ["noura@riyadh-realty.sa", "noura@riy", "riyadh-realty"]) {
      expect(await searchFor(home.owner.auth, q)).toEqual([
        {
          kind: "contact",
          id: ids.noura,
          title: "نورة القحطاني",
          phone: null,
          email: "noura@riyadh-realty.sa",
          vatNumber: null,
          amountHalalas: null,
        },
      ]);
    }
  });

  it("finds deals by title and companies by name or VAT number, with their hints", async () => {
    expect(await searchFor(home.owner.auth, "فيلا النرجس")).toEqual([
      expect.objectContaining({
        kind: "deal",
        id: ids.deal,
        title: "فيلا في حي النرجس",
        amountHalalas: 250_000_000,
      }),
    ]);
    expect(await searchFor(home.owner.auth, "اعمار")).toEqual([
      expect.objectContaining({ kind: "company", id: ids.company, vatNumber: "300123456700003" }),
    ]);
    expect(await idsFound(home.owner.auth, "3001234567")).toEqual([ids.company]);
  });

  it("searches only the kinds asked for", async () => {
    const all = await searchFor(home.owner.auth, "الرياض");
    expect(all.map((hit) => hit.kind).sort()).toEqual(["company"]);
    expect(await searchFor(home.owner.auth, "الرياض", "&types=contact,deal")).toEqual([]);
    const hits = await searchFor(home.owner.auth, "محمد", "&types=contact");
    expect(hits.every((hit) => hit.kind === "contact")).toBe(true);
    expect(hits).toHaveLength(2);
    expect(await searchFor(home.owner.auth, "محمد", "&limit=1")).toHaveLength(1);
  });

  it("never finds another tenant's records", async () => {
    const found = [
      ...(await idsFound(home.owner.auth, "محمد")),
      ...(await idsFound(home.owner.auth, "0551234")),
      ...(await idsFound(home.owner.auth, "فيلا")),
    ];
    expect(found).not.toContain(ids.otherTenantContact);
    expect(found).not.toContain(ids.otherTenantDeal);
    expect(await idsFound(other.owner.auth, "محمد")).toEqual([ids.otherTenantContact]);
    expect(await idsFound(other.owner.auth, "نورة")).toEqual([]);
  });

  it.each([
    ")",
    "(",
    '"',
    '""',
    "'",
    "*",
    "^",
    "-",
    "+",
    "NOT",
    "محمد NOT",
    "AND OR NEAR",
    "NEAR(محمد عتيبي)",
    "scope:contact",
    "names : محمد",
    "{names details}: x",
    'محمد" OR "',
    "محمد*)",
    "؟؟؟",
    "\u200f\u200e",
    "x".repeat(200),
    "a b c d e f g h i j k l m",
    "%_%",
    "0",
  ])("answers %j without an error", async (q) => {
    const hits = await searchFor(home.owner.auth, q);
    expect(Array.isArray(hits)).toBe(true);
  });

  it("treats FTS5 syntax in a query as text", async () => {
    expect(await idsFound(home.owner.auth, "محمد NOT")).toEqual([]);
    expect(await idsFound(home.owner.auth, 'محمد" OR "')).toEqual([]);
    expect(await idsFound(home.owner.auth, "(محمد)")).toHaveLength(2);
  });

  it("refuses bad parameters with a problem", async () => {
    for (const query of [
      "",
      "?q=",
      "?q=%20%20",
      `?q=${"x".repeat(201)}`,
      "?q=a&types=people",
      "?q=a&types=contact,",
      "?q=a&limit=0",
      "?q=a&limit=51",
    ]) {
      await expectProblem(
        await call(`/api/v1/search${query}`, { headers: home.agent.auth }),
        422,
        "VALIDATION_FAILED",
      );
    }
    await expectProblem(await call("/api/v1/search?q=محمد"), 401, "UNAUTHENTICATED");
  });

  it("costs one D1 round trip, the session check included", async () => {
    const { res, d1RoundTrips } = await callCountingD1(`/api/v1/search?q=${encodeURIComponent("محمد")}`, {
      headers: home.agent.auth,
    });
    expect(res.status).toBe(200);
    expect(d1RoundTrips).toBe(1);
    const empty = await callCountingD1(`/api/v1/search?q=${encodeURIComponent(")")}`, {
      headers: home.agent.auth,
    });
    expect(empty.res.status).toBe(200);
    expect(empty.d1RoundTrips).toBe(1);
  });
});

describe("search visibility", () => {
  it("an agent finds only their own records unless the tenant shows all; managers find all", async () => {
    const tenant = await createTenant("Visibility");
    const mine = await addContact(tenant.tenantId, "ريم الشمري", { ownerId: tenant.agent.userId });
    const theirs = await addContact(tenant.tenantId, "ريم العنزي", { ownerId: tenant.manager.userId });
    const unowned = await addContact(tenant.tenantId, "ريم المطيري");
    const theirDeal = await addDeal(tenant.tenantId, "شقة ريم", 100, tenant.manager.userId);

    expect(await idsFound(tenant.agent.auth, "ريم")).toEqual([mine]);
    expect((await idsFound(tenant.manager.auth, "ريم")).sort()).toEqual(
      [mine, theirs, unowned, theirDeal].sort(),
    );

    await setVisibility(tenant.tenantId, "all");
    expect((await idsFound(tenant.agent.auth, "ريم")).sort()).toEqual(
      [mine, theirs, unowned, theirDeal].sort(),
    );
    await setVisibility(tenant.tenantId, "own");
    expect(await idsFound(tenant.agent.auth, "ريم")).toEqual([mine]);
  });
});

describe("the index follows every write", () => {
  const indexRows = (recordId: string) =>
    env.DB.prepare(
      "SELECT d.kind, i.names, i.details FROM search_documents d LEFT JOIN search_index i ON i.rowid = d.id WHERE d.record_id = ?",
    )
      .bind(recordId)
      .all<{ kind: string; names: string | null; details: string | null }>()
      .then((r) => r.results);

  it("renaming a contact, changing its email and phones, merging and deleting it", async () => {
    const tenant = await createTenant("Writes");
    const auth = tenant.owner.auth;
    const id = await addContact(tenant.tenantId, "هيا الزهراني", {
      phones: ["+966531112222"],
      email: "haya@old.sa",
    });
    expect(await idsFound(auth, "هيا")).toEqual([id]);

    await db
      .update(contacts)
      .set({
        name: "لطيفة الزهراني",
        nameNorm: normaliseText("لطيفة الزهراني"),
        nameKey: nameKey("لطيفة الزهراني"),
        email: "latifa@new.sa",
      })
      .where(eq(contacts.id, id));
    expect(await idsFound(auth, "هيا")).toEqual([]);
    expect(await idsFound(auth, "haya@old")).toEqual([]);
    expect(await idsFound(auth, "لطيفه")).toEqual([id]);
    expect(await idsFound(auth, "latifa@new")).toEqual([id]);

    await db
      .insert(contactPhones)
      .values({ tenantId: tenant.tenantId, contactId: id, phone: "+966543334444", position: 1 });
    expect(await idsFound(auth, "0543334")).toEqual([id]);
    await db
      .delete(contactPhones)
      .where(and(eq(contactPhones.contactId, id), eq(contactPhones.phone, "+966531112222")));
    await db.update(contacts).set({ phone: "+966543334444" }).where(eq(contacts.id, id));
    expect(await idsFound(auth, "0531112")).toEqual([]);
    expect(await idsFound(auth, "0543334")).toEqual([id]);
    await db.update(contactPhones).set({ phone: "+966565556666" }).where(eq(contactPhones.contactId, id));
    await db.update(contacts).set({ phone: "+966565556666" }).where(eq(contacts.id, id));
    expect(await idsFound(auth, "0543334")).toEqual([]);
    expect(await idsFound(auth, "6666")).toEqual([id]);

    const survivor = await addContact(tenant.tenantId, "لطيفة الزهراني");
    await db.update(contacts).set({ mergedIntoId: survivor }).where(eq(contacts.id, id));
    expect(await idsFound(auth, "لطيفة")).toEqual([survivor]);
    expect(await idsFound(auth, "6666")).toEqual([]);
    expect(await indexRows(id)).toEqual([{ kind: "contact", names: null, details: null }]);

    await db.delete(contactPhones).where(eq(contactPhones.contactId, id));
    await db.delete(contacts).where(eq(contacts.id, id));
    expect(await indexRows(id)).toEqual([]);
  });

  it("a status change leaves the index row as it was; companies and deals follow renames and deletes", async () => {
    const tenant = await createTenant("Writes 2");
    const auth = tenant.owner.auth;
    const contact = await addContact(tenant.tenantId, "مريم", { phones: ["+966557778888"] });
    const before = await indexRows(contact);
    await db.update(contacts).set({ status: "qualified" }).where(eq(contacts.id, contact));
    expect(await indexRows(contact)).toEqual(before);
    expect(before[0]?.details).toContain("557778888");

    const company = await addCompany(tenant.tenantId, "مؤسسة الأفق");
    await db
      .update(companies)
      .set({ name: "مؤسسة المدى", nameNorm: normaliseText("مؤسسة المدى"), crNumber: "1010123456" })
      .where(eq(companies.id, company));
    expect(await idsFound(auth, "الافق")).toEqual([]);
    expect(await idsFound(auth, "المدى")).toEqual([company]);
    expect(await idsFound(auth, "1010123456")).toEqual([company]);

    const deal = await addDeal(tenant.tenantId, "أرض تجارية", 5);
    await db
      .update(deals)
      .set({ title: "أرض سكنية", titleNorm: normaliseText("أرض سكنية") })
      .where(eq(deals.id, deal));
    expect(await idsFound(auth, "تجاريه")).toEqual([]);
    expect(await idsFound(auth, "سكنيه")).toEqual([deal]);
    await db.delete(deals).where(eq(deals.id, deal));
    await db.delete(companies).where(eq(companies.id, company));
    expect(await idsFound(auth, "سكنيه")).toEqual([]);
    expect(await indexRows(deal)).toEqual([]);
    expect(await indexRows(company)).toEqual([]);
  });
});

describe("rebuild-index.sql (RUNBOOK §9)", () => {
  it("rebuilds the same index from the records", async () => {
    const tenant = await createTenant("Rebuild");
    const contact = await addContact(tenant.tenantId, "خديجة المالكي", { phones: ["+966561239876"] });
    const deal = await addDeal(tenant.tenantId, "مكتب تجاري", 7);
    const snapshot = () =>
      env.DB.prepare(
        "SELECT d.kind, d.record_id, i.scope, i.names, i.details FROM search_documents d JOIN search_index i ON i.rowid = d.id ORDER BY d.kind, d.record_id",
      )
        .all()
        .then((r) => r.results);
    const before = await snapshot();
    const statements = (rebuildIndexSql as string)
      .split(/;\s*\n/)
      .map((statement) => statement.replace(/^--.*$/gm, "").trim())
      .filter(Boolean);
    await env.DB.batch(statements.map((statement) => env.DB.prepare(statement)));
    expect(await snapshot()).toEqual(before);
    expect(await idsFound(tenant.owner.auth, "خديجه 9876")).toEqual([contact]);
    expect(await idsFound(tenant.owner.auth, "مكتب")).toEqual([deal]);
  });
});

describe("contactMatches (the contacts list's search filter)", () => {
  it("limits a contacts query to the matches, in the caller's tenant only", async () => {
    const [tenant, elsewhere] = await Promise.all([createTenant("List"), createTenant("List other")]);
    const sara = await addContact(tenant.tenantId, "سارة الحربي", { phones: ["+966590001111"] });
    await addContact(tenant.tenantId, "فهد الحربي");
    await addContact(elsewhere.tenantId, "سارة الحربي", { phones: ["+966590001111"] });
    const scope = tenantScope(db, tenant.tenantId);
    const list = (q: string | undefined) =>
      db
        .select({ id: contacts.id })
        .from(contacts)
        .where(scope.where(contacts.tenantId, contactMatches(scope, q)))
        .then((rows) => rows.map((row) => row.id));

    expect(await list("ساره")).toEqual([sara]);
    expect(await list("Sarah")).toEqual([sara]);
    expect(await list("0001111")).toEqual([sara]);
    expect(await list("الحربي")).toHaveLength(2);
    expect(await list("   ")).toHaveLength(2);
    expect(await list(undefined)).toHaveLength(2);
    expect(await list(")")).toEqual([]);
    expect(await list("عبد-الله")).toEqual([]);
  });
});

import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, createTenant, uniquePhone } from "../../test/fixtures";
import { call, expectProblem, postJson } from "../../test/helpers";
import { issueTaxInvoice, sellerOf } from "../billing/tax-invoices.service";
import { dbFor } from "../db/client";
import { loadConfig } from "../env";
import { idPrefixes, newId } from "../platform/ids";
import { erasePerson } from "./erasure.service";

type Tenant = Awaited<ReturnType<typeof createTenant>>;

interface Person {
  name: string;
  phone: string;
  secondPhone: string;
  email: string;
}

const suffix = Math.random().toString(36).slice(2, 8);
// Latin words, so the FTS index's lower-cased terms are searchable as they are.
const erased: Person = {
  name: `Qarnafil Zubaidah${suffix}`,
  phone: uniquePhone(),
  secondPhone: uniquePhone(),
  email: `qarnafil.${suffix}@example.sa`,
};

async function created<T>(res: Promise<Response>): Promise<T> {
  const answer = await res;
  expect(answer.status, await answer.clone().text()).toBe(201);
  return (await answer.json()) as T;
}

/** Everything that can hold a person, made through the API where there is one and written to D1 where not. */
async function seedPerson(tenant: Tenant, person: Person, actor: Actor = tenant.manager) {
  const auth = actor.auth;
  const company = await created<{ id: string }>(
    postJson("/api/v1/companies", { name: `Company ${suffix}` }, auth),
  );
  const contact = await created<{ id: string }>(
    postJson(
      "/api/v1/contacts",
      {
        name: person.name,
        phones: [person.phone, person.secondPhone],
        email: person.email,
        source: "walk_in",
        tags: ["vip"],
        notes: `Prefers calls on ${person.secondPhone}`,
        companyId: company.id,
        custom: { district: "olaya", referral: `${person.name} via ${person.email}` },
      },
      { ...auth, "Idempotency-Key": `create-${newId("req")}` },
    ),
  );
  const deal = await created<{ id: string }>(
    postJson(
      "/api/v1/deals",
      { title: `Villa for ${person.name}`, contactId: contact.id, amountHalalas: 1_500_000 },
      auth,
    ),
  );
  await created(
    postJson("/api/v1/activities", { kind: "note", contactId: contact.id, body: `Met ${person.name}` }, auth),
  );
  await created(
    postJson(
      "/api/v1/activities",
      { kind: "call", dealId: deal.id, body: `Called ${person.phone} about the villa` },
      auth,
    ),
  );
  await created(
    postJson(
      `/api/v1/contacts/${contact.id}/consents`,
      {
        purpose: "marketing",
        status: "granted",
        source: "web_form",
        evidenceText: `I, ${person.name}, agree`,
      },
      auth,
    ),
  );
  const conversationId = newId(idPrefixes.conversation);
  const inbound = newId(idPrefixes.message);
  const outbound = newId(idPrefixes.message);
  const importId = newId(idPrefixes.import);
  const matchedRequest = newId(idPrefixes.privacyRequest);
  const local = `0${person.phone.slice(4)}`;
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO conversations (id, tenant_id, contact_id, last_message_at, last_preview, created_at) VALUES (?, ?, ?, 1, ?, 1)",
    ).bind(conversationId, tenant.tenantId, contact.id, `I am ${person.name}`),
    env.DB.prepare(
      "INSERT INTO messages (id, tenant_id, conversation_id, contact_id, direction, kind, body, state, provider_message_id, created_at, updated_at) VALUES (?, ?, ?, ?, 'inbound', 'text', ?, 'received', ?, 1, 1)",
    ).bind(
      inbound,
      tenant.tenantId,
      conversationId,
      contact.id,
      `I am ${person.name}, ${person.email}`,
      `wamid.${inbound}`,
    ),
    env.DB.prepare(
      "INSERT INTO messages (id, tenant_id, conversation_id, contact_id, direction, kind, media, state, created_at, updated_at) VALUES (?, ?, ?, ?, 'outbound', 'image', ?, 'sent', 1, 1)",
    ).bind(
      outbound,
      tenant.tenantId,
      conversationId,
      contact.id,
      JSON.stringify({ url: `https://cdn.example.sa/${person.email}.jpg`, caption: `For ${person.name}` }),
    ),
    env.DB.prepare(
      "INSERT INTO imports (id, tenant_id, status, encoding, headers, total_rows, created_by, created_by_type, created_at, updated_at) VALUES (?, ?, 'done', 'utf-8', '[\"name\",\"phone\",\"email\"]', 1, ?, 'user', 1, 1)",
    ).bind(importId, tenant.tenantId, actor.userId),
    env.DB.prepare(
      "INSERT INTO import_rows (tenant_id, import_id, row_number, raw, status, contact_id) VALUES (?, ?, 1, ?, 'created', ?)",
    ).bind(tenant.tenantId, importId, JSON.stringify([person.name, local, person.email]), contact.id),
    env.DB.prepare(
      "INSERT INTO dead_letters (id, queue, message_id, body, attempts, last_error, dead_at) VALUES (?, 'outbound', ?, ?, 4, 'exhausted', 1)",
    ).bind(
      newId(idPrefixes.deadLetter),
      newId("req"),
      JSON.stringify({ tenantId: tenant.tenantId, to: person.phone }),
    ),
    // Two earlier privacy requests: one matched to the contact, one from before the CRM knew them,
    // with a staff note that names the person.
    env.DB.prepare(
      "INSERT INTO privacy_requests (id, tenant_id, type, channel, state, requester_name, requester_phone, requester_email, contact_id, details, received_at, due_at, updated_at) VALUES (?, ?, 'access', 'public_page', 'done', ?, ?, ?, ?, ?, 1, 2, 1)",
    ).bind(
      matchedRequest,
      tenant.tenantId,
      person.name,
      person.phone,
      person.email,
      contact.id,
      `Copy for ${person.name}`,
    ),
    env.DB.prepare(
      "INSERT INTO privacy_requests (id, tenant_id, type, channel, state, requester_name, requester_phone, requester_email, contact_id, received_at, due_at, updated_at) VALUES (?, ?, 'access', 'public_page', 'refused', ?, NULL, ?, NULL, 1, 2, 1)",
    ).bind(newId(idPrefixes.privacyRequest), tenant.tenantId, person.name, person.email),
    env.DB.prepare(
      "INSERT INTO privacy_request_events (id, tenant_id, request_id, action, to_state, actor_type, note, at) VALUES (?, ?, ?, 'extended', 'verified', 'user', ?, 1)",
    ).bind(
      newId(idPrefixes.privacyRequestEvent),
      tenant.tenantId,
      matchedRequest,
      `Waiting for ${person.email}`,
    ),
  ]);
  return { contact, company, deal, conversationId, inbound, outbound };
}

/** The simulator's and the dev outbox's copies of what was sent to the person (no tenant column). */
async function seedDevCopies(person: Person, messageId: string) {
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO dev_whatsapp_sends (wamid, phone_number_id, recipient, summary, callback_data, created_at) VALUES (?, 'pn1', ?, ?, ?, 1)",
    ).bind(`wamid.${messageId}`, person.phone.slice(1), `[image] for ${person.name}`, messageId),
    env.DB.prepare(
      "INSERT INTO outbox_messages (id, channel, recipient, body, created_at) VALUES (?, 'whatsapp', ?, ?, 1)",
    ).bind(newId(idPrefixes.outboxMessage), person.phone, `Hello ${person.name}`),
  ]);
}

/** Each value the person could be found by: as entered, lower-cased (as FTS stores terms), and the phones' local and bare forms. */
const needlesOf = (person: Person) => [
  person.name,
  ...person.name.toLowerCase().split(" "),
  person.email,
  ...[person.phone, person.secondPhone].flatMap((phone) => [phone, phone.slice(1), `0${phone.slice(4)}`]),
];

const decoder = new TextDecoder();
const serialise = (value: unknown): string =>
  value instanceof ArrayBuffer || ArrayBuffer.isView(value)
    ? decoder.decode(value instanceof ArrayBuffer ? value : new Uint8Array(value.buffer))
    : String(value);

/** Every row of every table (FTS5 shadow tables included) that holds one of the needles. */
async function rowsHolding(needles: string[]) {
  const { results: tables } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name NOT LIKE '_cf%'",
  ).all<{ name: string }>();
  expect(tables.map((t) => t.name)).toEqual(
    expect.arrayContaining(["search_index_data", "search_index_content"]),
  );
  const found: { table: string; row: string }[] = [];
  for (const { name } of tables) {
    const { results } = await env.DB.prepare(`SELECT * FROM "${name}"`).all<Record<string, unknown>>();
    for (const row of results) {
      const text = Object.values(row).map(serialise).join("\u0001");
      if (needles.some((needle) => text.includes(needle))) found.push({ table: name, row: text });
    }
  }
  return found;
}

describe("erasing a person", () => {
  let home: Tenant;
  let other: Tenant;
  let seeded: Awaited<ReturnType<typeof seedPerson>>;
  let twin: Awaited<ReturnType<typeof seedPerson>>;
  let bystanderId: string;

  beforeAll(async () => {
    [home, other] = await Promise.all([createTenant("Home Realty"), createTenant("Other Realty")]);
    for (const tenant of [home, other]) {
      await created(
        postJson(
          "/api/v1/custom-fields",
          {
            objectType: "contact",
            key: "district",
            labelAr: "الحي",
            labelEn: "District",
            type: "select",
            options: [{ value: "olaya", labelAr: "العليا", labelEn: "Olaya" }],
          },
          tenant.manager.auth,
        ),
      );
      await created(
        postJson(
          "/api/v1/custom-fields",
          { objectType: "contact", key: "referral", labelAr: "المحيل", labelEn: "Referral", type: "text" },
          tenant.manager.auth,
        ),
      );
    }
    seeded = await seedPerson(home, erased);
    await seedDevCopies(erased, seeded.outbound);
    twin = await seedPerson(other, erased);
    bystanderId = (
      await created<{ id: string }>(
        postJson(
          "/api/v1/contacts",
          { name: "Bystander Person", phones: [uniquePhone()], source: "walk_in" },
          home.manager.auth,
        ),
      )
    ).id;
    await issueTaxInvoice(
      dbFor(env.DB),
      {
        tenantId: home.tenantId,
        paymentRef: `pay_${home.tenantId}`,
        buyer: { name: "Home Realty" },
        lines: [{ description: { ar: "اشتراك", en: "Subscription" }, quantity: 1, unitPriceHalalas: 99_000 }],
        issuedAt: new Date(),
      },
      sellerOf(loadConfig(env)),
    );
    // Before erasure the scan finds the person: the check below can fail.
    expect((await rowsHolding(needlesOf(erased))).length).toBeGreaterThan(20);
  });

  it("refuses agents, a missing confirmation and another tenant's contact", async () => {
    const path = `/api/v1/contacts/${seeded.contact.id}/erase`;
    await expectProblem(await postJson(path, { confirm: "ERASE" }, home.agent.auth), 403, "FORBIDDEN");
    await expectProblem(
      await postJson(path, { confirm: "yes" }, home.manager.auth),
      422,
      "VALIDATION_FAILED",
    );
    await expectProblem(await postJson(path, { confirm: "ERASE" }, other.owner.auth), 404, "NOT_FOUND");
    const [row] = (await env.DB.prepare("SELECT id FROM contacts WHERE id = ?").bind(seeded.contact.id).all())
      .results;
    expect(row).toBeDefined();
  });

  it("leaves no trace of the person in any table, and touches nobody else", async () => {
    const res = await postJson(
      `/api/v1/contacts/${seeded.contact.id}/erase`,
      { confirm: "ERASE" },
      { ...home.manager.auth, "Idempotency-Key": "erase-1" },
    );
    expect(res.status, await res.clone().text()).toBe(200);
    const result = (await res.json()) as { erased: Record<string, number>; kept: { what: string }[] };
    expect(result.erased).toMatchObject({
      contacts: 1,
      contact_phones: 2,
      contact_tags: 1,
      messages: 2,
      conversations: 1,
      consents: 1,
      deals: 1,
      import_rows: 1,
      dead_letters: 1,
      dev_whatsapp_sends: 1,
      outbox_messages: 1,
      privacy_request_events: 1,
    });
    // The matched request by its contact, and both by the requester's details.
    expect(result.erased.privacy_requests).toBeGreaterThanOrEqual(2);
    expect(result.erased.activities).toBe(2);
    expect(result.erased.idempotency_keys).toBeGreaterThanOrEqual(1);
    expect(result.kept.map((k) => k.what)).toEqual(expect.arrayContaining(["tax_invoices", "audit_events"]));

    // Only the twin in the other tenant may still hold the values (its rows name its tenant); the
    // FTS5 terms of both tenants share search_index_data, checked once the twin is erased too.
    const otherScope = other.tenantId.replace("_", "");
    const leftovers = (await rowsHolding(needlesOf(erased))).filter(
      ({ table, row }) =>
        table !== "search_index_data" && !row.includes(other.tenantId) && !row.includes(otherScope),
    );
    expect(leftovers).toEqual([]);

    const deal = await env.DB.prepare("SELECT contact_id, title, amount_halalas FROM deals WHERE id = ?")
      .bind(seeded.deal.id)
      .first();
    expect(deal).toEqual({ contact_id: null, title: "—", amount_halalas: 1_500_000 });
    const audit = await env.DB.prepare(
      "SELECT actor_id, details FROM audit_events WHERE tenant_id = ? AND action = 'contact.erased'",
    )
      .bind(home.tenantId)
      .first<{ actor_id: string; details: string }>();
    expect(audit?.actor_id).toBe(home.manager.userId);
    expect(JSON.parse(audit?.details ?? "{}")).toEqual({
      via: "staff",
      contacts: 1,
      deals: 1,
      messages: 2,
      activities: 2,
      consents: 1,
    });
    const invoices = await env.DB.prepare("SELECT count(*) AS n FROM tax_invoices WHERE tenant_id = ?")
      .bind(home.tenantId)
      .first<{ n: number }>();
    expect(invoices?.n).toBe(1);

    // The bystander and the twin are whole, and still found by search.
    const bystander = await call(`/api/v1/contacts/${bystanderId}`, { headers: home.manager.auth });
    expect(bystander.status).toBe(200);
    const twinContact = await call(`/api/v1/contacts/${twin.contact.id}`, { headers: other.manager.auth });
    expect(((await twinContact.json()) as { phones: string[] }).phones).toEqual([
      erased.phone,
      erased.secondPhone,
    ]);
    const twinRows = await env.DB.prepare(
      "SELECT (SELECT count(*) FROM messages WHERE conversation_id = ?1) AS messages, (SELECT count(*) FROM activities WHERE tenant_id = ?2) AS activities, (SELECT count(*) FROM consents WHERE tenant_id = ?2) AS consents, (SELECT count(*) FROM dead_letters WHERE body LIKE '%' || ?2 || '%') AS dead, (SELECT title FROM deals WHERE id = ?3) AS title",
    )
      .bind(twin.conversationId, other.tenantId, twin.deal.id)
      .first();
    expect(twinRows).toEqual({
      messages: 2,
      activities: 2,
      consents: 1,
      dead: 1,
      title: `Villa for ${erased.name}`,
    });
    const search = await call(`/api/v1/search?q=${encodeURIComponent("Qarnafil")}`, {
      headers: other.manager.auth,
    });
    expect(JSON.stringify(await search.json())).toContain(twin.contact.id);
    const gone = await call(`/api/v1/search?q=${encodeURIComponent("Qarnafil")}`, {
      headers: home.manager.auth,
    });
    expect(JSON.stringify(await gone.json())).not.toContain(seeded.contact.id);

    // Erased once more: the contact is gone, so a second erasure is a 404 (a replayed key answers as before).
    const replay = await postJson(
      `/api/v1/contacts/${seeded.contact.id}/erase`,
      { confirm: "ERASE" },
      { ...home.manager.auth, "Idempotency-Key": "erase-1" },
    );
    expect(replay.status).toBe(200);
    await expectProblem(
      await postJson(`/api/v1/contacts/${seeded.contact.id}/erase`, { confirm: "ERASE" }, home.manager.auth),
      404,
      "NOT_FOUND",
    );
  });

  it("once the twin is erased as well, the full-text index's pages hold neither", async () => {
    const result = await erasePerson(dbFor(env.DB), other.tenantId, twin.contact.id, {
      requestId: "req_test",
      via: "data_subject_request",
    });
    expect(result.erased.contacts).toBe(1);
    expect(await rowsHolding(needlesOf(erased))).toEqual([]);
  });
});

import { env } from "cloudflare:workers";
import { companies } from "../companies/companies.schema";
import { contactPhones, contacts } from "../contacts/contacts.schema";
import { dbFor } from "../db/client";
import { deals } from "../deals/deals.schema";
import { idPrefixes, newId } from "../platform/ids";
import { nameKey, normaliseText } from "../platform/text-normalise";

// Records are written straight to D1, as the contacts and deals APIs would, with the derived
// columns computed by text-normalise: the index must follow whatever writes the tables.
export const db = dbFor(env.DB);

export async function addContact(
  tenantId: string,
  name: string,
  options: { phones?: string[]; email?: string; ownerId?: string } = {},
) {
  const id = newId(idPrefixes.contact);
  const now = Date.now();
  const phones = options.phones ?? [];
  await db.batch([
    db.insert(contacts).values({
      id,
      tenantId,
      name,
      nameNorm: normaliseText(name),
      nameKey: nameKey(name),
      phone: phones[0] ?? null,
      email: options.email ?? null,
      source: "walk_in",
      ownerId: options.ownerId ?? null,
      createdAt: now,
      updatedAt: now,
    }),
    ...phones.map((phone, position) =>
      db.insert(contactPhones).values({ tenantId, contactId: id, phone, position }),
    ),
  ]);
  return id;
}

export async function addCompany(tenantId: string, name: string, vatNumber: string | null = null) {
  const id = newId(idPrefixes.company);
  const now = Date.now();
  await db
    .insert(companies)
    .values({ id, tenantId, name, nameNorm: normaliseText(name), vatNumber, createdAt: now, updatedAt: now });
  return id;
}

export async function addDeal(
  tenantId: string,
  title: string,
  amountHalalas: number,
  ownerId: string | null = null,
) {
  const id = newId(idPrefixes.deal);
  const now = Date.now();
  await db.insert(deals).values({
    id,
    tenantId,
    title,
    titleNorm: normaliseText(title),
    pipelineId: "pip_00000000000000000000",
    stageId: "stg_00000000000000000000",
    amountHalalas,
    ownerId,
    createdAt: now,
    updatedAt: now,
    stageChangedAt: now,
  });
  return id;
}

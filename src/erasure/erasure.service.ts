// TEMPORARY stand-in: replaced by the erasure capability at merge
import { and, eq } from "drizzle-orm";
import type { AuditActor } from "../audit/audit.service";
import { contacts } from "../contacts/contacts.schema";
import type { Db } from "../db/client";

export interface ErasureResult {
  erased: Record<string, number>;
  kept: { what: string; why: string }[];
}

/** Anonymises the contact row only, so privacy requests can be built and tested before the real engine lands. */
export async function erasePerson(
  db: Db,
  tenantId: string,
  contactId: string,
  _actor: AuditActor,
): Promise<ErasureResult> {
  const rows = await db
    .update(contacts)
    .set({ name: "—", nameNorm: "", nameKey: "", phone: null, email: null, notes: null, custom: {} })
    .where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, contactId)))
    .returning({ id: contacts.id });
  return {
    erased: { contacts: rows.length },
    kept: [{ what: "audit trail of the erasure", why: "PDPL accountability" }],
  };
}

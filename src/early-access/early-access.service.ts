import type { Db } from "../db/client";
import { idPrefixes, newId } from "../platform/ids";
import type { EarlyAccessInput } from "./early-access.model";
import { insertEarlyAccessRequest } from "./early-access.repo";

/**
 * Records an early-access request. The answer never says whether the phone was already on the
 * list, so the endpoint cannot be used to learn who has signed up.
 */
export async function requestEarlyAccess(db: Db, input: EarlyAccessInput, now = Date.now()) {
  await insertEarlyAccessRequest(db, {
    id: newId(idPrefixes.earlyAccess),
    name: input.name,
    company: input.company,
    phone: input.phone,
    email: input.email ?? null,
    businessType: input.businessType,
    locale: input.locale,
    consentAt: now,
    createdAt: now,
  });
  return { status: "received" as const };
}

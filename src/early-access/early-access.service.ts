import type { RequestContext } from "../platform/context";
import { idPrefixes, newId } from "../platform/ids";
import { clientIp, enforceRateLimit, RATE_LIMITS } from "../platform/rate-limit";
import type { EarlyAccessInput } from "./early-access.model";
import { insertEarlyAccessRequest } from "./early-access.repo";

/**
 * Records an early-access request. The answer never says whether the phone was already on the
 * list, so the endpoint cannot be used to learn who has signed up; the limits count every
 * attempt alike, known phone or not.
 */
export async function requestEarlyAccess(ctx: RequestContext, input: EarlyAccessInput) {
  const { phone } = input;
  await enforceRateLimit(ctx.env, RATE_LIMITS.earlyAccessPerIp, clientIp(ctx.request));
  await enforceRateLimit(ctx.env, RATE_LIMITS.earlyAccessPerPhone, phone);
  const { now } = ctx;
  await insertEarlyAccessRequest(ctx.db, {
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

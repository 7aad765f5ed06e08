import type { Db } from "../db/client";
import type { OperatorPrincipal } from "../platform/context";
import { operatorProfile } from "./operator.repo";

const iso = (ms: number) => new Date(ms).toISOString();

/** Who the signed-in operator is and when the session ends. */
export async function operatorMe(db: Db, operator: OperatorPrincipal) {
  const profile = await operatorProfile(db, operator.userId).get();
  if (!profile) throw new Error("operatorMe: a live operator session points at a missing user");
  return {
    operator: profile,
    session: {
      id: operator.sessionId,
      createdAt: iso(operator.createdAt),
      expiresAt: iso(operator.expiresAt),
      idleExpiresAt: iso(operator.idleExpiresAt),
    },
  };
}

import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Db } from "../db/client";
import type { AppEnv, RequestOrigin } from "../platform/context";
import { sha256Hex } from "../platform/crypto";
import { idPrefixes, newId, newSecret, SECRET_PATTERN } from "../platform/ids";
import { endOperatorSession, insertOperatorSession, touchLiveSession } from "./operator.repo";
import { operatorAudit } from "./operator-audit";

/**
 * Operator sessions live apart from tenant sessions: their own table, their own cookie, and short
 * lifetimes, because an operator session reaches every tenant's operations. 30 minutes idle bounds
 * what an unattended, unlocked machine gives away; 8 hours absolute is one working shift, so a
 * stolen cookie never outlives the day and every shift starts with both factors again.
 */
export const OPERATOR_IDLE_MS = 30 * 60 * 1000;
export const OPERATOR_SESSION_MS = 8 * 60 * 60 * 1000;

/**
 * `__Host-` (Secure, Path=/, no Domain: no subdomain can set or read it), HttpOnly, and
 * SameSite=Strict: unlike the tenant cookies (Lax), no navigation from another site carries it, so
 * a link can never land an operator on a console page mid-action. Its name is not the tenant
 * cookies', and nothing that reads one reads the other.
 */
export const OPERATOR_COOKIE = "__Host-dlx_op";
/** The browser's half of a pending second factor (operator_challenges.token_hash). */
export const CHALLENGE_COOKIE = "__Host-dlx_opc";

const strict = { path: "/", secure: true, httpOnly: true, sameSite: "Strict" } as const;

export function setOperatorCookie(c: Context<AppEnv>, token: string) {
  setCookie(c, OPERATOR_COOKIE, token, { ...strict, maxAge: OPERATOR_SESSION_MS / 1000 });
}

export const clearOperatorCookie = (c: Context<AppEnv>) => deleteCookie(c, OPERATOR_COOKIE, strict);

export function setChallengeCookie(c: Context<AppEnv>, token: string, maxAgeMs: number) {
  setCookie(c, CHALLENGE_COOKIE, token, { ...strict, maxAge: maxAgeMs / 1000 });
}

export const clearChallengeCookie = (c: Context<AppEnv>) => deleteCookie(c, CHALLENGE_COOKIE, strict);

/** A cookie's secret when it has the shape newSecret() makes, else null (no query for junk). */
export function cookieSecret(c: Context<AppEnv>, name: string): string | null {
  const value = getCookie(c, name);
  return value && SECRET_PATTERN.test(value) ? value : null;
}

export interface OperatorSession {
  sessionId: string;
  userId: string;
  createdAt: number;
  /** The absolute end (ms). */
  expiresAt: number;
  /** When the session ends if nothing else happens: the idle limit, capped by the absolute end. */
  idleExpiresAt: number;
}

/**
 * The live session for an operator cookie's secret, with its idle clock moved to now; null when
 * the session ended, expired, went idle, or its user is no longer a platform admin.
 */
export async function liveOperatorSession(
  db: Db,
  token: string,
  now: number,
): Promise<OperatorSession | null> {
  const [row] = await touchLiveSession(db, await sha256Hex(token), now, OPERATOR_IDLE_MS);
  if (!row) return null;
  return {
    sessionId: row.id,
    userId: row.userId,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    idleExpiresAt: Math.min(row.expiresAt, now + OPERATOR_IDLE_MS),
  };
}

/** A new session for an operator who passed both factors: its secret and the insert to batch. */
export async function newOperatorSession(db: Db, userId: string, now: number) {
  const token = newSecret();
  const id = newId(idPrefixes.operatorSession);
  return {
    id,
    token,
    insert: insertOperatorSession(db, {
      id,
      userId,
      tokenHash: await sha256Hex(token),
      createdAt: now,
      expiresAt: now + OPERATOR_SESSION_MS,
      lastSeenAt: now,
    }),
  };
}

/** Ends the session (sign-out), with its audit row in the same batch. */
export async function endSession(db: Db, session: OperatorSession, origin: RequestOrigin, now: number) {
  await db.batch([
    endOperatorSession(db, session.sessionId, "signed_out", now),
    operatorAudit(
      db,
      {
        operatorId: session.userId,
        action: "operator.session_ended",
        target: { type: "operator_session", id: session.sessionId },
        details: { reason: "signed_out" },
      },
      origin,
      now,
    ),
  ]);
}

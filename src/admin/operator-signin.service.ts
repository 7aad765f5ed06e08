import { codeHash } from "../auth/codes";
import { verifyPassword, verifyPasswordAgainstNothing } from "../auth/password";
import { deliver, wasDelivered } from "../outbox/outbox.service";
import type { RequestContext } from "../platform/context";
import { randomDigits, sha256Hex, timingSafeEqualStrings } from "../platform/crypto";
import { idPrefixes, newId, newSecret } from "../platform/ids";
import { ApiError } from "../platform/problem";
import { clientIp, enforceRateLimit, RATE_LIMITS, resetRateLimit } from "../platform/rate-limit";
import {
  consumeChallenge,
  countChallengeAttempt,
  endPendingChallenges,
  findActiveChallenge,
  insertChallenge,
  operatorsWithEmail,
} from "./operator.repo";
import { type OperatorAuditEvent, operatorAudit } from "./operator-audit";
import { newOperatorSession } from "./operator-session";

export const OPERATOR_CODE_TTL_MS = 5 * 60 * 1000;
export const OPERATOR_CODE_MAX_ATTEMPTS = 5;

// One answer for an unknown email, a tenant user, a wrong password and an operator without a
// verified phone or email: the refusal does not tell which accounts are operators.
const REFUSED = "The email or password is incorrect.";
const INVALID_CODE = "The code is wrong or has expired; sign in again.";

const codeMessage = (locale: "ar" | "en", code: string) =>
  locale === "ar"
    ? `رمز دخول مشغّل ديلكس: ${code}\nصالح لمدة ٥ دقائق. لا تشاركه مع أحد.`
    : `Your Dealix operator sign-in code: ${code}\nValid for 5 minutes. Do not share it with anyone.`;

const record = (ctx: RequestContext, event: OperatorAuditEvent) =>
  operatorAudit(ctx.db, event, ctx.origin, ctx.now);

/**
 * The first factor: an operator's email and password. On success a six-digit code goes to the
 * operator's verified WhatsApp phone (else verified email), and the returned challenge secret
 * (for the browser's challenge cookie) is what the code must be entered with.
 */
export async function startOperatorSignIn(
  ctx: RequestContext,
  input: { email: string; password: string },
): Promise<{ challenge: string; channel: "whatsapp" | "email" }> {
  await enforceRateLimit(ctx.env, RATE_LIMITS.operatorLoginPerIp, clientIp(ctx.request));
  await enforceRateLimit(ctx.env, RATE_LIMITS.operatorLoginPerAccount, input.email);
  const pepper = ctx.config.PASSWORD_PEPPER;
  const candidates = await operatorsWithEmail(ctx.db, input.email);
  let operator: (typeof candidates)[number] | undefined;
  for (const candidate of candidates) {
    if (await verifyPassword(input.password, candidate.passwordHash, pepper)) {
      operator = candidate;
      break;
    }
  }
  if (candidates.length === 0) await verifyPasswordAgainstNothing(input.password, pepper);
  const target = operator ?? candidates[0];
  const refuse = async (reason: string) => {
    await record(ctx, {
      operatorId: target?.id ?? null,
      action: "operator.sign_in_failed",
      details: { reason },
    });
    return new ApiError("UNAUTHENTICATED", REFUSED);
  };
  if (!operator) throw await refuse(candidates.length === 0 ? "not_an_operator" : "wrong_password");
  const channel =
    operator.phone && operator.phoneVerifiedAt ? "whatsapp" : operator.emailVerifiedAt ? "email" : null;
  if (!channel) throw await refuse("no_verified_second_factor");
  await resetRateLimit(ctx.env, RATE_LIMITS.operatorLoginPerAccount, input.email);
  await enforceRateLimit(ctx.env, RATE_LIMITS.operatorCodeSendPerOperator, operator.id);

  const id = newId(idPrefixes.operatorChallenge);
  const challenge = newSecret();
  const code = randomDigits(6);
  await ctx.db.batch([
    endPendingChallenges(ctx.db, operator.id, ctx.now),
    insertChallenge(ctx.db, {
      id,
      userId: operator.id,
      tokenHash: await sha256Hex(challenge),
      codeHash: await codeHash(ctx.config, "operator", id, code),
      channel,
      expiresAt: ctx.now + OPERATOR_CODE_TTL_MS,
      createdAt: ctx.now,
    }),
    record(ctx, {
      operatorId: operator.id,
      action: "operator.code_sent",
      target: { type: "operator_challenge", id },
      details: { channel },
    }),
  ]);
  const common = { locale: operator.locale, body: codeMessage(operator.locale, code) };
  const delivery = await deliver(
    ctx,
    channel === "whatsapp"
      ? { ...common, channel, recipient: operator.phone as string, template: { kind: "code", code } }
      : {
          ...common,
          channel,
          recipient: operator.email,
          subject: operator.locale === "ar" ? "رمز دخول ديلكس" : "Your Dealix sign-in code",
        },
  );
  if (!wasDelivered(delivery)) {
    throw new ApiError("UNAVAILABLE", "The sign-in code could not be sent. Try again in a few minutes.");
  }
  return { challenge, channel };
}

/**
 * The second factor: the code sent by startOperatorSignIn, presented with the same browser's
 * challenge secret. Single use, five minutes, five attempts; success starts an operator session.
 */
export async function verifyOperatorCode(
  ctx: RequestContext,
  challengeSecret: string | null,
  code: string,
): Promise<{ token: string; sessionId: string; userId: string }> {
  await enforceRateLimit(ctx.env, RATE_LIMITS.operatorCodeVerifyPerIp, clientIp(ctx.request));
  const challenge = challengeSecret
    ? await findActiveChallenge(ctx.db, await sha256Hex(challengeSecret), ctx.now)
    : undefined;
  const failed = async (reason: string) => {
    await record(ctx, {
      operatorId: challenge?.userId ?? null,
      action: "operator.code_failed",
      ...(challenge ? { target: { type: "operator_challenge", id: challenge.id } } : {}),
      details: { reason },
    });
    return new ApiError("UNAUTHENTICATED", INVALID_CODE);
  };
  if (!challenge) throw await failed("no_active_code");
  await enforceRateLimit(ctx.env, RATE_LIMITS.operatorCodeVerifyPerOperator, challenge.userId);
  if (challenge.attempts >= OPERATOR_CODE_MAX_ATTEMPTS) {
    await consumeChallenge(ctx.db, challenge.id, ctx.now);
    throw await failed("too_many_attempts");
  }
  const expected = await codeHash(ctx.config, "operator", challenge.id, code);
  if (!/^\d{6}$/.test(code) || !timingSafeEqualStrings(expected, challenge.codeHash)) {
    const counted = await countChallengeAttempt(ctx.db, challenge.id);
    if ((counted?.attempts ?? OPERATOR_CODE_MAX_ATTEMPTS) >= OPERATOR_CODE_MAX_ATTEMPTS)
      await consumeChallenge(ctx.db, challenge.id, ctx.now);
    throw await failed("wrong_code");
  }
  if (!(await consumeChallenge(ctx.db, challenge.id, ctx.now, true))) throw await failed("already_used");
  const session = await newOperatorSession(ctx.db, challenge.userId, ctx.now);
  await ctx.db.batch([
    session.insert,
    record(ctx, {
      operatorId: challenge.userId,
      action: "operator.signed_in",
      target: { type: "operator_session", id: session.id },
      details: { channel: challenge.channel },
    }),
  ]);
  return { token: session.token, sessionId: session.id, userId: challenge.userId };
}

import type { Bindings } from "../env";
import { log } from "./logger";

/** The external dependencies with a breaker: one CircuitBreaker Durable Object each, addressed by name. */
export const BREAKER_NAMES = ["whatsapp", "email", "moyasar", "llm", "posthog"] as const;
export type BreakerName = (typeof BREAKER_NAMES)[number];

export const BREAKER_STATES = ["closed", "open", "half_open"] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

/** When a breaker opens and how it probes for recovery. */
export interface BreakerPolicy {
  /** Failures within `windowSeconds` that open a closed breaker. */
  readonly failureThreshold: number;
  readonly windowSeconds: number;
  /** How long an open breaker refuses every call before it lets trial calls through (half-open). */
  readonly coolDownSeconds: number;
  /** Trial calls allowed in flight at once while half-open. */
  readonly trialLimit: number;
  /**
   * A trial that has not reported back after this long (its caller's isolate died mid-call) frees
   * its slot, so a lost report cannot keep the breaker half-open with no trial allowed forever.
   */
  readonly trialLeaseSeconds: number;
}

// Every dependency sits behind a queue that retries, so an open breaker costs a delay, not a lost
// message; the thresholds are set so a handful of stray errors does not open it, but a real outage
// opens it within seconds instead of letting every queued message wait out its timeout.
export const BREAKER_POLICIES = {
  // Sends are the busiest calls (a broadcast is thousands a minute): 5 failures in a minute is
  // already an outage at that rate, and Meta's incidents last minutes, hence a 30 s cool-down.
  whatsapp: {
    failureThreshold: 5,
    windowSeconds: 60,
    coolDownSeconds: 30,
    trialLimit: 2,
    trialLeaseSeconds: 30,
  },
  // Sign-in codes and invitations: low volume, so fewer failures already mean the API is down.
  email: {
    failureThreshold: 3,
    windowSeconds: 60,
    coolDownSeconds: 30,
    trialLimit: 1,
    trialLeaseSeconds: 30,
  },
  // Payments: a payment call that hangs is worse than one refused, and Moyasar is called rarely.
  moyasar: {
    failureThreshold: 3,
    windowSeconds: 120,
    coolDownSeconds: 60,
    trialLimit: 1,
    trialLeaseSeconds: 60,
  },
  // Model calls are slow and their providers rate-limit in bursts: a longer window and cool-down
  // keep a 429 storm from being hammered.
  llm: { failureThreshold: 5, windowSeconds: 120, coolDownSeconds: 60, trialLimit: 1, trialLeaseSeconds: 90 },
  // Analytics is best effort: open early and stay open longer so it never slows the app down.
  posthog: {
    failureThreshold: 5,
    windowSeconds: 60,
    coolDownSeconds: 120,
    trialLimit: 1,
    trialLeaseSeconds: 30,
  },
} as const satisfies Record<BreakerName, BreakerPolicy>;

/** One change of state, kept (newest first) for the operator status and the outage drill. */
export interface BreakerTransition {
  /** Epoch milliseconds. */
  at: number;
  from: BreakerState;
  to: BreakerState;
  reason: string;
}

/** What the CircuitBreaker Durable Object answers before a call. */
export interface BreakerAdmission {
  allowed: boolean;
  state: BreakerState;
  /** Seconds until a call may be allowed again; 0 when this one was. */
  retryAfterSeconds: number;
  /** Set when the call is a half-open trial: its outcome must be reported with this id. */
  trialId: string | null;
}

/** A call's outcome as reported to the breaker. */
export type BreakerOutcome = { ok: true } | { ok: false; reason: string };

/** A breaker's state as the Durable Object stores it, without its name. */
export interface BreakerSnapshot {
  state: BreakerState;
  failuresInWindow: number;
  /** Epoch milliseconds; null while closed. */
  openedAt: number | null;
  /** When an open breaker lets trial calls through (epoch ms); null unless open. */
  nextTrialAt: number | null;
  trialsInFlight: number;
  transitions: BreakerTransition[];
}

export interface BreakerStatus extends BreakerSnapshot {
  name: BreakerName;
  policy: BreakerPolicy;
}

/** Thrown when the breaker is open (or half-open with no free trial slot): fail fast, retry later. */
export class CircuitOpenError extends Error {
  readonly breaker: BreakerName;
  readonly retryAfterSeconds: number;

  constructor(breaker: BreakerName, retryAfterSeconds: number) {
    super(`The ${breaker} circuit breaker is open: retry in ${retryAfterSeconds} s`);
    this.name = "CircuitOpenError";
    this.breaker = breaker;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
const REASON_LENGTH = 160;

// Transitions are shown to operators and kept in storage, so the reason must not carry personal
// data: provider clients throw status codes and provider error codes, and any run of digits long
// enough to be a phone number is masked in case one slips into a message.
function failureReason(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/\+?\d[\d\s-]{6,}\d/g, "[number]").slice(0, REASON_LENGTH);
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs `call` with an abort signal that fires, and a TimeoutError that is thrown, after `timeoutMs`. */
async function withTimeout<T>(call: (signal: AbortSignal) => Promise<T>, timeoutMs: number): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DOMException(`timed out after ${timeoutMs} ms`, "TimeoutError");
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([call(controller.signal), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

type Breakers = Bindings["CIRCUIT_BREAKER"];

// A lost report only makes the breaker a little less accurate; it must never turn the call's own
// result into an error.
async function report(
  breakers: Breakers,
  name: BreakerName,
  outcome: BreakerOutcome,
  trialId: string | null,
): Promise<void> {
  try {
    await breakers.getByName(name).record(outcome, BREAKER_POLICIES[name], trialId);
  } catch (error) {
    log("warn", "circuit breaker report failed", { breaker: name, error: errorMessage(error) });
  }
}

/**
 * Runs `call` through the named breaker: refuses fast when open, counts a thrown error or a timeout
 * as a failure. A call that returns is a success; the caller decides what is a failure by throwing.
 *
 * A success is reported only for half-open trials: failures are counted in a window, not in a row,
 * so a success while closed changes nothing and costs no second Durable Object call. The usual
 * call is therefore one round trip (admit), two when it fails.
 */
export async function throughBreaker<T>(
  breakers: Breakers,
  name: BreakerName,
  call: (signal: AbortSignal) => Promise<T>,
  options: { timeoutMs?: number } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let admission: BreakerAdmission;
  try {
    admission = await breakers.getByName(name).admit(BREAKER_POLICIES[name]);
  } catch (error) {
    // Fail open: the breaker protects Dealix from a provider's outage, and the breaker's own
    // outage must not stop every message and payment while the provider is fine. The queue's
    // retries and the call's timeout still bound the harm.
    log("error", "circuit breaker unavailable", { breaker: name, error: errorMessage(error) });
    return withTimeout(call, timeoutMs);
  }
  if (!admission.allowed) throw new CircuitOpenError(name, admission.retryAfterSeconds);
  let result: T;
  try {
    result = await withTimeout(call, timeoutMs);
  } catch (error) {
    await report(breakers, name, { ok: false, reason: failureReason(error) }, admission.trialId);
    throw error;
  }
  if (admission.trialId !== null) await report(breakers, name, { ok: true }, admission.trialId);
  return result;
}

/** Every breaker's state, in BREAKER_NAMES order. */
export async function breakerStatuses(breakers: Breakers): Promise<BreakerStatus[]> {
  return Promise.all(
    BREAKER_NAMES.map(async (name) => ({
      name,
      policy: BREAKER_POLICIES[name],
      ...(await breakers.getByName(name).status(BREAKER_POLICIES[name])),
    })),
  );
}

/** Closes the breaker at once (an operator who knows the provider is back), forgetting its failures. */
export async function resetBreaker(breakers: Breakers, name: BreakerName): Promise<BreakerStatus> {
  const snapshot = await breakers.getByName(name).reset();
  return { name, policy: BREAKER_POLICIES[name], ...snapshot };
}

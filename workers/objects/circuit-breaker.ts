import { DurableObject } from "cloudflare:workers";
import type {
  BreakerAdmission,
  BreakerOutcome,
  BreakerPolicy,
  BreakerSnapshot,
  BreakerState,
  BreakerTransition,
} from "../../src/platform/circuit-breaker";
import { log } from "../../src/platform/logger";

const STATE_KEY = "breaker";
/** Enough history for an operator to see an outage's flapping and for the drill to print it. */
const KEPT_TRANSITIONS = 20;

interface Trial {
  id: string;
  admittedAt: number;
}

/** What is stored under STATE_KEY. Nothing is stored until the first failure. */
interface Stored {
  state: BreakerState;
  /** Times of the failures counted while closed: never more than the threshold, newest last. */
  failures: number[];
  openedAt: number | null;
  /** Half-open trial calls admitted and not yet reported. */
  trials: Trial[];
  /** Newest first. */
  transitions: BreakerTransition[];
}

const closed = (): Stored => ({ state: "closed", failures: [], openedAt: null, trials: [], transitions: [] });

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * The circuit breaker of one external dependency: callers address one object per dependency
 * (`CIRCUIT_BREAKER.getByName("whatsapp")`, see src/platform/circuit-breaker.ts) and pass its
 * policy with each call, as the RateLimiter takes its limit, so the policies live in one place.
 *
 * closed: calls go through; `failureThreshold` failures within `windowSeconds` open it.
 * open: every call is refused until `coolDownSeconds` after opening, then it turns half-open.
 * half-open: up to `trialLimit` trial calls at once; a trial's success closes it, its failure
 * opens it again for another cool-down.
 *
 * Time-driven changes (open → half-open, an expired trial lease) are applied when the object is
 * next called, so no alarm is needed. Each method reads and writes storage synchronously with no
 * await in between, so concurrent calls cannot interleave and the trial limit is exact. The state
 * is stored, so it survives the object being evicted or the Worker being redeployed.
 */
export class CircuitBreaker extends DurableObject {
  /** Decides whether one call may go out now. */
  admit(policy: BreakerPolicy): BreakerAdmission {
    const now = Date.now();
    const stored = this.load();
    let changed = this.advance(stored, policy, now);
    let admission: BreakerAdmission;
    if (stored.state === "closed") {
      admission = { allowed: true, state: "closed", retryAfterSeconds: 0, trialId: null };
    } else if (stored.state === "open") {
      const reopensAt = (stored.openedAt ?? now) + policy.coolDownSeconds * 1000;
      admission = {
        allowed: false,
        state: "open",
        retryAfterSeconds: seconds(reopensAt - now),
        trialId: null,
      };
    } else if (stored.trials.length < policy.trialLimit) {
      const trialId = crypto.randomUUID();
      stored.trials.push({ id: trialId, admittedAt: now });
      changed = true;
      admission = { allowed: true, state: "half_open", retryAfterSeconds: 0, trialId };
    } else {
      // Every slot is taken: the earliest a slot is sure to be free is when the oldest lease ends
      // (sooner if that trial reports back).
      const oldest = Math.min(...stored.trials.map((trial) => trial.admittedAt));
      const freeAt = oldest + policy.trialLeaseSeconds * 1000;
      admission = {
        allowed: false,
        state: "half_open",
        retryAfterSeconds: seconds(freeAt - now),
        trialId: null,
      };
    }
    if (changed) this.save(stored);
    return admission;
  }

  /**
   * Counts one call's outcome. `trialId` is the admission's, for half-open trials. Reports of
   * calls admitted before the breaker opened (they finish late) change nothing while it is open
   * or half-open: only trials decide when it closes.
   */
  record(outcome: BreakerOutcome, policy: BreakerPolicy, trialId: string | null): BreakerState {
    const now = Date.now();
    const stored = this.load();
    let changed = this.advance(stored, policy, now);
    if (trialId !== null) {
      const before = stored.trials.length;
      stored.trials = stored.trials.filter((trial) => trial.id !== trialId);
      changed ||= stored.trials.length !== before;
    }
    if (stored.state === "closed" && !outcome.ok) {
      stored.failures = [...this.inWindow(stored, policy, now), now].slice(-policy.failureThreshold);
      changed = true;
      if (stored.failures.length >= policy.failureThreshold) {
        this.open(
          stored,
          now,
          `${stored.failures.length} failures within ${policy.windowSeconds} s; last: ${outcome.reason}`,
        );
      }
    } else if (stored.state === "half_open" && trialId !== null) {
      // A trial whose lease ran out still reports what the provider did, so it still counts.
      if (outcome.ok) this.close(stored, now, "trial call succeeded");
      else this.open(stored, now, `trial call failed: ${outcome.reason}`);
      changed = true;
    }
    if (changed) this.save(stored);
    return stored.state;
  }

  status(policy: BreakerPolicy): BreakerSnapshot {
    const now = Date.now();
    const stored = this.load();
    if (this.advance(stored, policy, now)) this.save(stored);
    return this.snapshot(stored, policy, now);
  }

  /** Closes the breaker and forgets its failures and trials; the history is kept and notes the reset. */
  reset(): BreakerSnapshot {
    const now = Date.now();
    const stored = this.load();
    if (stored.state !== "closed") this.close(stored, now, "reset by an operator");
    stored.failures = [];
    this.save(stored);
    return {
      state: "closed",
      failuresInWindow: 0,
      openedAt: null,
      nextTrialAt: null,
      trialsInFlight: 0,
      transitions: stored.transitions,
    };
  }

  private load(): Stored {
    return this.ctx.storage.kv.get<Stored>(STATE_KEY) ?? closed();
  }

  private save(stored: Stored) {
    this.ctx.storage.kv.put(STATE_KEY, stored);
  }

  private inWindow(stored: Stored, policy: BreakerPolicy, now: number) {
    return stored.failures.filter((at) => at > now - policy.windowSeconds * 1000);
  }

  /** Applies what time alone changes; true when `stored` changed. */
  private advance(stored: Stored, policy: BreakerPolicy, now: number): boolean {
    let changed = false;
    if (stored.state === "open" && now >= (stored.openedAt ?? now) + policy.coolDownSeconds * 1000) {
      this.move(stored, "half_open", now, `cool-down of ${policy.coolDownSeconds} s over`);
      stored.trials = [];
      changed = true;
    }
    if (stored.state === "half_open") {
      const live = stored.trials.filter((trial) => trial.admittedAt > now - policy.trialLeaseSeconds * 1000);
      changed ||= live.length !== stored.trials.length;
      stored.trials = live;
    }
    return changed;
  }

  private open(stored: Stored, now: number, reason: string) {
    this.move(stored, "open", now, reason);
    stored.openedAt = now;
    stored.failures = [];
    stored.trials = [];
  }

  private close(stored: Stored, now: number, reason: string) {
    this.move(stored, "closed", now, reason);
    stored.openedAt = null;
    stored.failures = [];
    stored.trials = [];
  }

  private move(stored: Stored, to: BreakerState, now: number, reason: string) {
    const transition = { at: now, from: stored.state, to, reason };
    stored.transitions = [transition, ...stored.transitions].slice(0, KEPT_TRANSITIONS);
    stored.state = to;
    log(to === "closed" ? "info" : "warn", "circuit breaker", {
      breaker: this.ctx.id.name,
      from: transition.from,
      to,
      reason,
    });
  }

  private snapshot(stored: Stored, policy: BreakerPolicy, now: number): BreakerSnapshot {
    return {
      state: stored.state,
      failuresInWindow: stored.state === "closed" ? this.inWindow(stored, policy, now).length : 0,
      openedAt: stored.openedAt,
      nextTrialAt:
        stored.state === "open" && stored.openedAt !== null
          ? stored.openedAt + policy.coolDownSeconds * 1000
          : null,
      trialsInFlight: stored.trials.length,
      transitions: stored.transitions,
    };
  }
}

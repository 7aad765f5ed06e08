import type { Db } from "../db/client";
import {
  countByQueue,
  type DeadLetter,
  type DeadLetterProducers,
  listDeadLetters,
  purgeDeadLetters,
  type RetryProgress,
  retryDeadLetters,
} from "../dead-letters/dead-letters.service";
import type { Bindings } from "../env";
import {
  BREAKER_POLICIES,
  type BreakerName,
  type BreakerStatus,
  breakerStatuses,
  resetBreaker,
} from "../platform/circuit-breaker";
import type { OperatorPrincipal, RequestOrigin } from "../platform/context";
import { operatorAudit } from "./operator-audit";

/** The queues with a dead-letter queue whose letters the console shows, retries and purges. */
export const DLQ_QUEUES = ["imports", "outbound", "webhooks"] as const;
export type DlqQueue = (typeof DLQ_QUEUES)[number];

/** Where a retry re-enqueues each queue's letters: the source queue's own producer. */
export const deadLetterProducers = (env: Bindings): DeadLetterProducers => ({
  imports: env.IMPORTS_QUEUE,
  outbound: env.OUTBOUND_QUEUE,
  webhooks: env.WEBHOOKS_QUEUE,
});

/** An operator acting on the console: who, from where, on which bindings. */
export interface OperatorAct {
  db: Db;
  operator: OperatorPrincipal;
  origin: RequestOrigin;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Every console queue with its letters stored and still waiting, zeros included. */
export async function deadLetterCounts(db: Db) {
  const counts = new Map((await countByQueue(db)).map((row) => [row.queue, row]));
  return DLQ_QUEUES.map((queue) => ({
    queue,
    total: counts.get(queue)?.total ?? 0,
    waiting: counts.get(queue)?.waiting ?? 0,
  }));
}

type Scalar = string | number | boolean | null;

/**
 * What the console may show of a letter's body: its clear scalar fields (ids, row ranges, kinds).
 * A sealed field (a webhook's payload, with phones and text) is never shown, only said to exist.
 */
function visibleBody(body: unknown) {
  const reference: Record<string, Scalar> = {};
  let sealed = false;
  if (body && typeof body === "object") {
    for (const [key, value] of Object.entries(body)) {
      if (key.startsWith("sealed")) sealed = true;
      else if (value === null || ["string", "number", "boolean"].includes(typeof value))
        reference[key] = value as Scalar;
    }
  }
  return { reference, sealed };
}

export const deadLetterView = (letter: DeadLetter) => ({
  id: letter.id,
  queue: letter.queue,
  messageId: letter.messageId,
  ...visibleBody(letter.body),
  attempts: letter.attempts,
  lastError: letter.lastError,
  deadAt: new Date(letter.deadAt).toISOString(),
  retriedAt: iso(letter.retriedAt),
});

export async function deadLetterPage(db: Db, queue: DlqQueue, cursor: string | undefined, limit: number) {
  const page = await listDeadLetters(db, queue, cursor, limit);
  return { data: page.data.map((row) => ({ ...deadLetterView(row), queue })), nextCursor: page.nextCursor };
}

const audited = (act: OperatorAct, event: Omit<Parameters<typeof operatorAudit>[1], "operatorId">) =>
  act.db.batch([
    operatorAudit(act.db, { operatorId: act.operator.userId, ...event }, act.origin, Date.now()),
  ]);

/**
 * Re-enqueues the selected letters (all when `ids` is absent, up to the store's per-call bound)
 * and records what happened. The retry commits chunk by chunk, so its audit event follows it with
 * the counts it reached rather than sharing its batch.
 */
export async function retryQueueLetters(
  act: OperatorAct,
  producers: DeadLetterProducers,
  queue: DlqQueue,
  ids: readonly string[] | undefined,
): Promise<RetryProgress> {
  const progress = await retryDeadLetters(act.db, producers, queue, ids ?? "all");
  await audited(act, {
    action: "operator.dead_letters_retried",
    target: { type: "dead_letter_queue", id: queue },
    details: { ...progress, selected: ids?.length ?? null },
  });
  return progress;
}

/** Deletes the selected letters (all when `ids` is absent) and records how many went. */
export async function purgeQueueLetters(
  act: OperatorAct,
  queue: DlqQueue,
  ids: readonly string[] | undefined,
) {
  const purged = await purgeDeadLetters(act.db, queue, ids ?? "all");
  await audited(act, {
    action: "operator.dead_letters_purged",
    target: { type: "dead_letter_queue", id: queue },
    details: { purged, selected: ids?.length ?? null },
  });
  return { purged };
}

export const breakerView = (status: BreakerStatus) => ({
  name: status.name,
  state: status.state,
  failuresInWindow: status.failuresInWindow,
  openedAt: iso(status.openedAt),
  nextTrialAt: iso(status.nextTrialAt),
  trialsInFlight: status.trialsInFlight,
  policy: { ...status.policy },
  transitions: status.transitions.map((transition) => ({ ...transition, at: iso(transition.at) as string })),
});

export async function breakerList(breakers: Bindings["CIRCUIT_BREAKER"]) {
  return { data: (await breakerStatuses(breakers)).map(breakerView) };
}

/** Closes a breaker at once (the operator knows the provider is back) and records what it was. */
export async function resetNamedBreaker(
  act: OperatorAct,
  breakers: Bindings["CIRCUIT_BREAKER"],
  name: BreakerName,
) {
  const before = await breakers.getByName(name).status(BREAKER_POLICIES[name]);
  const after = await resetBreaker(breakers, name);
  await audited(act, {
    action: "operator.circuit_breaker_reset",
    target: { type: "circuit_breaker", id: name },
    details: { from: before.state, failuresInWindow: before.failuresInWindow },
  });
  return breakerView(after);
}

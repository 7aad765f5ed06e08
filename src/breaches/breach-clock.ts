/** PDPL: SDAIA is notified within 72 hours of the controller becoming aware of a breach. */
export const REGULATOR_NOTICE_HOURS = 72;
const HOUR_MS = 3_600_000;

export type BreachClockState = "running" | "overdue" | "met" | "late";

/**
 * Where an incident stands against the 72-hour regulator deadline: running (minutes left),
 * overdue (negative minutes), or, once the notice is recorded, met or late.
 */
export function breachClock(awareAt: number, regulatorNotifiedAt: number | null, now: number) {
  const deadline = awareAt + REGULATOR_NOTICE_HOURS * HOUR_MS;
  if (regulatorNotifiedAt !== null) {
    return {
      deadline,
      state: (regulatorNotifiedAt <= deadline ? "met" : "late") as BreachClockState,
      minutesLeft: null,
    };
  }
  const minutesLeft = Math.floor((deadline - now) / 60_000);
  return {
    deadline,
    state: (deadline > now ? "running" : "overdue") as BreachClockState,
    minutesLeft,
  };
}

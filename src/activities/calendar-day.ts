// The tenant's calendar day as UTC instants, so "today" on a Riyadh agent's phone is the same
// day the server counts, whatever UTC says at 22:30.
export const DEFAULT_TIME_ZONE = "Asia/Riyadh";

const DAY_MS = 24 * 60 * 60 * 1000;
const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let cached = partsFormatters.get(timeZone);
  if (!cached) {
    const options: Intl.DateTimeFormatOptions = {
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      hourCycle: "h23",
    };
    try {
      cached = new Intl.DateTimeFormat("en-US", { ...options, timeZone });
    } catch {
      // A zone this runtime does not know must not take the request down.
      cached = new Intl.DateTimeFormat("en-US", { ...options, timeZone: DEFAULT_TIME_ZONE });
    }
    partsFormatters.set(timeZone, cached);
  }
  return cached;
}

/** The wall-clock fields of an instant in a zone. */
function wallClock(ms: number, timeZone: string) {
  const parts = Object.fromEntries(
    partsFormatter(timeZone)
      .formatToParts(ms)
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<string, number>;
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant the calendar day containing `ms` began in `timeZone` (local midnight). */
export function startOfDay(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const midnightAsUtc = Date.UTC(w.year, w.month - 1, w.day);
  // Correct with the offset at the result, which differs from the offset at `ms` across a DST change.
  const guess = midnightAsUtc - offsetAt(midnightAsUtc, timeZone);
  return midnightAsUtc - offsetAt(guess, timeZone);
}

/** Today's bounds in the zone: [start, end) as UTC instants. */
export function todayBounds(now: number, timeZone: string) {
  const start = startOfDay(now, timeZone);
  // A day is not always 24 hours (DST): the next midnight is found from a time well inside tomorrow.
  const end = startOfDay(start + DAY_MS + DAY_MS / 2, timeZone);
  return { start, end };
}

/**
 * The instant a wall-clock date and time (`2026-11-22`, `09:30`, as a date and a time input send
 * them) names in `timeZone`; null when they are not a real date and time.
 */
export function zonedInstant(date: string, time: string, timeZone: string): number | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2})$/.exec(time);
  if (!d || !t) return null;
  const [year, month, day, hour, minute] = [d[1], d[2], d[3], t[1], t[2]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if (hour > 23 || minute > 59) return null;
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  const check = new Date(asUtc);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  const guess = asUtc - offsetAt(asUtc, timeZone);
  return asUtc - offsetAt(guess, timeZone);
}

/** The calendar date (`YYYY-MM-DD`) an instant falls on in `timeZone`, for date inputs. */
export function dateInZone(ms: number, timeZone: string): string {
  const w = wallClock(ms, timeZone);
  return `${w.year}-${String(w.month).padStart(2, "0")}-${String(w.day).padStart(2, "0")}`;
}

/**
 * Wraps a D1 binding and counts its round trips: every statement run (`first`, `all`, `run`,
 * `raw`) is one, and so is a whole `batch` or `exec`. Used by tests that pin how many queries a
 * route costs, and by the benchmark (bench/d1-round-trips-entry.ts) to report it per route.
 */
export function countD1RoundTrips(db: D1Database): { db: D1Database; roundTrips: () => number } {
  let roundTrips = 0;
  // workerd's batch() takes only its own statement objects, so wrapped ones are unwrapped first.
  const originals = new WeakMap<object, D1PreparedStatement>();

  const wrapStatement = (statement: D1PreparedStatement): D1PreparedStatement => {
    const wrapped = new Proxy(statement, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (typeof value !== "function") return value;
        if (property === "bind") {
          return (...values: unknown[]) => wrapStatement(value.apply(target, values));
        }
        if (property === "first" || property === "all" || property === "run" || property === "raw") {
          return (...args: unknown[]) => {
            roundTrips += 1;
            return value.apply(target, args);
          };
        }
        return value.bind(target);
      },
    });
    originals.set(wrapped, statement);
    return wrapped;
  };

  const wrapped = new Proxy(db, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property === "prepare") return (query: string) => wrapStatement(target.prepare(query));
      if (property === "batch") {
        return (statements: D1PreparedStatement[]) => {
          roundTrips += 1;
          return target.batch(statements.map((statement) => originals.get(statement) ?? statement));
        };
      }
      if (property === "exec") {
        return (query: string) => {
          roundTrips += 1;
          return target.exec(query);
        };
      }
      return value.bind(target);
    },
  });
  return { db: wrapped, roundTrips: () => roundTrips };
}

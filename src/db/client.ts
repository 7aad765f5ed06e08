import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

const createDb = (d1: D1Database) => drizzle(d1, { schema });
export type Db = ReturnType<typeof createDb>;

// The D1 binding is the same object for the life of an isolate; build its drizzle client once.
const clients = new WeakMap<D1Database, Db>();

export function dbFor(d1: D1Database): Db {
  let db = clients.get(d1);
  if (!db) {
    db = createDb(d1);
    clients.set(d1, db);
  }
  return db;
}

import { defineConfig } from "drizzle-kit";

// drizzle-kit 0.31 writes flat `migrations/NNNN_name.sql` files, which both wrangler and the
// vitest plugin's readD1Migrations() read. Review every generated file: migrations must stay
// backward-compatible with the previous release (a Worker rollback does not roll back D1).
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});

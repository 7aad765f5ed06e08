import { defineConfig } from "drizzle-kit";

// drizzle-kit 0.31 writes flat `migrations/NNNN_name.sql` files, which both wrangler and the
// vitest plugin's readD1Migrations() read. Review every generated file: migrations must stay
// backward-compatible with the previous release (a Worker rollback does not roll back D1).
export default defineConfig({
  dialect: "sqlite",
  // The dev simulator's tables are kept out of the runtime schema index (and so out of the
  // production bundle), but their migration is generated like every other.
  schema: [
    "./src/db/schema.ts",
    "./src/dev/whatsapp-simulator.schema.ts",
    "./src/dev/moyasar-simulator.schema.ts",
  ],
  out: "./migrations",
});

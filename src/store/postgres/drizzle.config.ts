// The PostgreSQL schema's drizzle-kit config: `npm run db:generate:pg`. The SQLite one is
// drizzle.config.ts at the top; this one stays here so the top level keeps its fixed layout.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/store/postgres/schema.ts",
  out: "./src/store/postgres/migrations",
});

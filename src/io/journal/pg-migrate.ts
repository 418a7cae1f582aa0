/**
 * Applies the PostgreSQL journal's migrations at open (plan in migrations.ts), in one
 * transaction (PostgreSQL's DDL is transactional). Nodes of a cluster start together: a
 * transaction-scoped advisory lock makes them take turns, so one upgrades and the others
 * then find the schema current.
 */
import type { SQL } from "bun";
import { planMigrations, SchemaTooNewError, type Migrated, type Migration } from "./migrations.ts";
import { PG_MIGRATIONS } from "./pg-migrations.ts";

/** Any constant that other users of the database are unlikely to pick: "gaia" in ASCII. */
const LOCK_KEY = 0x67616961;

export async function migratePg(sql: SQL, where: string, migrations: readonly Migration<SQL>[] = PG_MIGRATIONS): Promise<Migrated> {
  return await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${LOCK_KEY})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`;
    const [row] = await tx`SELECT COALESCE(MAX(version), 0)::int AS v FROM schema_version`;
    const plan = planMigrations(row.v as number, migrations);
    if (plan.kind === "too_new") throw new SchemaTooNewError("postgres", plan.found, plan.known, where);
    if (plan.kind === "current") return { from: plan.version, to: plan.version };
    for (const step of plan.steps) {
      await step.up(tx);
      await tx`INSERT INTO schema_version (version, name, applied_at) VALUES (${step.version}, ${step.name}, ${Date.now()})`;
    }
    return { from: plan.from, to: plan.to };
  });
}

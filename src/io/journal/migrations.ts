/**
 * Versioned schemas (the cluster issue; SPEC §13): each backend's schema is an ordered list
 * of migrations, 1, 2, 3…, and the database records in `schema_version` every one applied
 * (version, name, when). Opening a journal applies, in one transaction, those it lacks; a
 * database whose version is newer than any this gaia knows is refused, since an older gaia
 * cannot know what a newer one's columns mean and would write rows that break it.
 *
 * A migration, once released, never changes: a new column is a new migration. The plan is a
 * pure function of the version found and the list; the runners (sqlite-migrate.ts,
 * pg-migrate.ts) only read the version, lock, and apply the plan.
 */

export type Migration<Db> = {
  version: number;
  name: string;
  /** Runs inside the runner's transaction. */
  up(db: Db): void | Promise<void>;
};

export type Plan<Db> =
  | { kind: "current"; version: number }
  | { kind: "upgrade"; from: number; to: number; steps: Migration<Db>[] }
  | { kind: "too_new"; found: number; known: number };

/** What opening a database at `found` must do, with this gaia's `migrations`. */
export function planMigrations<Db>(found: number, migrations: readonly Migration<Db>[]): Plan<Db> {
  checkOrdered(migrations);
  const known = migrations.length;
  if (found > known) return { kind: "too_new", found, known };
  if (found === known) return { kind: "current", version: found };
  return { kind: "upgrade", from: found, to: known, steps: migrations.slice(found) };
}

/** A list out of order is a bug in gaia, not in the database: fail loudly. */
function checkOrdered(migrations: readonly Migration<unknown>[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list out of order: position ${i + 1} holds version ${m.version} (${m.name})`);
  });
}

export class SchemaTooNewError extends Error {
  constructor(
    readonly backend: "sqlite" | "postgres",
    readonly found: number,
    readonly known: number,
    where: string,
  ) {
    super(
      `the journal at ${where} has schema version ${found}, newer than this gaia knows (${known}): ` +
        `it was written by a newer gaia; run that gaia, or upgrade this one (a journal is never downgraded)`,
    );
    this.name = "SchemaTooNewError";
  }
}

export type Migrated = { from: number; to: number };

/**
 * `[cluster]` (SPEC §3 and §13): with a PostgreSQL URL in `cluster.url` (or
 * `GAIA_CLUSTER_URL`, which wins over the file), the journal is in that database and every
 * gaia started with the same URL is a node of one cluster; absent or empty, the journal is
 * the embedded SQLite file and gaia is one host. `node` names this node (default: the host
 * name, filled in by the loader only for a cluster); `lease_s` is how long a node's lease
 * lasts, renewed every lease_s / 3, so a node is taken for dead after at most lease_s.
 * A config without `[cluster]` has no `cluster` key once parsed (so the parsed defaults of a
 * one-host config are as they were); `clusterOf` gives the keys with their defaults.
 *
 * The URL holds the database password: no message of gaia shows it. `redactUrl` is the one
 * way a URL gets into a message, the config's problems and `gaia config check` included.
 */
import { z } from "zod";

const EXAMPLE = "postgres://user:password@host:5432/db";

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    // Not a URL a parser takes: hide whatever could be a password, between a ':' and an '@'.
    return url.replace(/:[^@]*@/g, ":***@");
  }
}

/** Why `url` is not a cluster URL gaia can use, or null; the message never holds the password. */
export function clusterUrlProblem(url: string): string | null {
  if (url === "") return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `expected a PostgreSQL URL such as ${EXAMPLE}`;
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") return `expected a postgres:// or postgresql:// URL such as ${EXAMPLE} (the cluster's journal is PostgreSQL)`;
  const socket = ["host", "path", "socket"].some((k) => parsed.searchParams.has(k));
  if (parsed.hostname === "" && !socket) return `expected a host in the URL, such as ${EXAMPLE}`;
  return null;
}

export const Cluster = z
  .object({
    url: z
      .string()
      .default("")
      .superRefine((url, ctx) => {
        const problem = clusterUrlProblem(url);
        // The input a problem line shows: never the password.
        if (problem) ctx.addIssue({ code: "custom", message: problem, input: redactUrl(url) });
      }),
    node: z.string().regex(/^[A-Za-z0-9_.-]*$/, "use letters, digits, '_', '.' and '-' (a host name)").default(""),
    // Under a second, renewals (every lease_s / 3) would be a steady load on the database.
    lease_s: z.number({ error: "expected a number >= 1" }).min(1, { error: "expected a number >= 1" }).max(3600, { error: "expected a number <= 3600" }).default(10),
  })
  .strict();

export type ClusterConfig = z.infer<typeof Cluster>;

const DEFAULTS: ClusterConfig = Object.freeze(Cluster.parse({}));

/** The `[cluster]` keys, defaults for those not given (a config without the table is one host). */
export function clusterOf(config: { cluster?: ClusterConfig }): ClusterConfig {
  return config.cluster ?? DEFAULTS;
}

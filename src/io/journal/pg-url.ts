/**
 * The cluster URL in what gaia says: a PostgreSQL URL holds its password, and no log line or
 * error may show it. `redactUrl` (config/cluster.ts) keeps everything else (user, host, port,
 * database), which is what a person needs to see which server was meant.
 */

/** Bun.sql's error for a connection that failed, in words that name the server (`where`, its URL redacted) and the cause. */
export function describeConnectError(where: string, err: unknown): string {
  const code = (err as { code?: string }).code ?? "";
  const message = err instanceof Error ? err.message : String(err);
  if (/password authentication failed|authentication/i.test(message)) return `cannot log in to the cluster journal at ${where}: ${message} (check the user and password in cluster.url or GAIA_CLUSTER_URL)`;
  if (code === "ERR_POSTGRES_CONNECTION_REFUSED") return `cannot reach the cluster journal at ${where}: connection refused (is PostgreSQL running there, and listening on that address and port?)`;
  if (code === "ERR_POSTGRES_CONNECTION_TIMEOUT") return `cannot reach the cluster journal at ${where}: no answer within the connect timeout`;
  return `cannot open the cluster journal at ${where}: ${message}${code ? ` (${code})` : ""}`;
}

export class ClusterJournalError extends Error {
  constructor(message: string, readonly cause?: unknown) {
    super(message);
    this.name = "ClusterJournalError";
  }
}

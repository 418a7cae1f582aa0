/**
 * `gaia job ID --logs`: the lines a job printed, grouped by attempt, each under a header
 * that says which worker ran it:
 *
 *   attempt 1 (default-0)
 *     12:00:01Z  INFO  loading
 *   attempt 2 (default-1)
 *     ...
 *
 * `GET /v1/jobs/ID/logs` is new (SPEC §7); this reads `{attempts: [{attempt, worker, lines}]}`
 * and also a flat `{lines: [{attempt, ...}]}`, so either shape the server settles on prints.
 */
import type { JobAttemptLogs, JobLogLine, JobLogs } from "../../client/index.ts";

export function formatJobLogs(logs: JobLogs): string {
  const attempts = groups(logs);
  if (attempts.every((a) => a.lines.length === 0)) return "the job printed nothing";
  return attempts
    .map((a) => [`attempt ${a.attempt}${a.worker ? ` (${a.worker})` : ""}`, ...(a.lines.length ? a.lines.map(formatLine) : ["  (nothing printed)"])].join("\n"))
    .join("\n");
}

function groups(logs: JobLogs): JobAttemptLogs[] {
  if (Array.isArray(logs.attempts)) return logs.attempts;
  const byAttempt = new Map<number, JobLogLine[]>();
  for (const line of logs.lines ?? []) {
    const n = line.attempt ?? 1;
    byAttempt.set(n, [...(byAttempt.get(n) ?? []), line]);
  }
  return [...byAttempt].sort(([a], [b]) => a - b).map(([attempt, lines]) => ({ attempt, lines }));
}

function formatLine(line: JobLogLine): string {
  const time = line.at ? `${line.at.replace(/^.*T/, "").replace(/\.\d+(?=Z$)/, "")}  ` : "";
  const level = line.level ? `${line.level.toUpperCase().padEnd(5)}  ` : "";
  // A multi-line message (a traceback) keeps its indentation under the first line.
  return `  ${time}${level}${line.line.replaceAll("\n", `\n  ${" ".repeat(time.length + level.length)}`)}`;
}

/**
 * `gaia job ID --logs`: the lines a job printed, grouped by attempt, each under a header
 * that says which worker ran it:
 *
 *   attempt 1
 *     12:00:01Z  INFO  loading
 *   attempt 2
 *     ...
 *
 * from `GET /v1/jobs/ID/logs`'s `{job_id, attempts: [{attempt, lines: [{at, level, line}]}]}`.
 */
import type { JobLogLine, JobLogs } from "../../client/index.ts";

export function formatJobLogs(logs: JobLogs): string {
  const attempts = logs.attempts;
  if (attempts.every((a) => a.lines.length === 0)) return "the job printed nothing";
  return attempts
    .map((a) => [`attempt ${a.attempt}`, ...(a.lines.length ? a.lines.map(formatLine) : ["  (nothing printed)"])].join("\n"))
    .join("\n");
}

function formatLine(line: JobLogLine): string {
  const time = line.at ? `${line.at.replace(/^.*T/, "").replace(/\.\d+(?=Z$)/, "")}  ` : "";
  const level = line.level ? `${line.level.toUpperCase().padEnd(5)}  ` : "";
  // A multi-line message (a traceback) keeps its indentation under the first line.
  return `  ${time}${level}${line.line.replaceAll("\n", `\n  ${" ".repeat(time.length + level.length)}`)}`;
}

/**
 * The help texts: `USAGE` for `gaia --help`, `commandUsage(CMD)` for `gaia CMD --help`.
 * Written by hand rather than generated from the flag specs, because a good help line says
 * what a flag is for, not only that it exists.
 */

export const USAGE = `gaia: a supervised multi-process job runtime

usage: gaia COMMAND [ARGS] [--socket PATH] [--json]

Running gaia:
  start [--config FILE]      run the supervisor, IO engine and worker pools (foreground)
  stop                       stop gracefully and wait until gaia is gone
  status                     version, uptime, pools and job counts
  workers                    each worker: state, pid, memory, jobs done, restarts, last exit
  gpus                       each GPU: memory, utilization, temperature, power; its processes
  logs [WORKER] [--tail N] [-f]
                             recent output of every process, or of one; -f follows
  config check [FILE]        validate a config and print the effective one
  version                    print this binary's version

Jobs:
  submit TASK [--payload JSON|@FILE] [--array NAME=FILE.npy] [--wait] [--timeout S]
                             submit a job; --wait waits for it and prints its result
  job ID                     one job: state, timings, worker, result or error
  jobs [--state S] [--task T] [--limit N]
                             list jobs
  cancel ID                  cancel a queued or running job

Schedules:
  schedules                  every schedule: when, state, next and last run, last outcome
  schedule run NAME          run a schedule now; prints the new job's id
  schedule pause NAME        stop a schedule's runs until it is resumed (outlives restarts)
  schedule resume NAME       let a paused schedule run again

Flags for every command:
  --socket PATH    the control socket (default: $GAIA_SOCKET, else the config's
                   control.socket under run_dir)
  --json           print the API's JSON instead of tables, for scripts
  -h, --help       help; 'gaia COMMAND --help' for one command

Environment:
  GAIA_CONFIG      the config file (default: ./gaia.toml when present, else built-in defaults)
  GAIA_RUN_DIR     overrides run_dir: sockets and registry
  GAIA_DATA_DIR    overrides data_dir: the journal
  GAIA_SOCKET      the control socket the client commands talk to
  GAIA_LOG_FORMAT  text | json: the format of gaia's own log

Exit codes:
  0  ok
  1  the job failed (submit --wait), or gaia could not do it now (queue full, ...)
  2  usage or config error, or the request was refused (bad input, unknown job, ...)
  3  gaia cannot be reached (not running), or is starting or stopping`;

const GLOBAL = `
  --socket PATH    the control socket (default: $GAIA_SOCKET, else from the config)
  --json           print the API's JSON instead of human output`;

const COMMANDS: Record<string, string> = {
  start: `usage: gaia start [--config FILE]

Runs gaia in the foreground: the supervisor, the IO engine and the worker pools.
FILE defaults to $GAIA_CONFIG, else ./gaia.toml when present, else built-in defaults.
Stop it with Ctrl-C, SIGTERM, or 'gaia stop'.`,

  config: `usage: gaia config check [FILE]

Validates the config (FILE, else $GAIA_CONFIG, else ./gaia.toml, else the built-in
defaults) and prints the effective config with every default filled in. Exits 2 with one
line per problem when it is not valid.`,

  stop: `usage: gaia stop

Asks gaia to shut down gracefully (running jobs get shutdown.grace_s to finish) and waits,
up to 30 s, until it is gone. Prints 'gaia stopped'.
${GLOBAL}`,

  status: `usage: gaia status

Shows the version, run id, uptime and state, each pool (ready workers, state, queued jobs,
last error) and how many jobs are in each state.
${GLOBAL}`,

  workers: `usage: gaia workers

Lists every worker: id, pool, state, pid, resident memory, jobs done, restarts and how it
last exited (e.g. 'SIGKILL (timeout)', 'code 1').
${GLOBAL}`,

  gpus: `usage: gaia gpus

Lists every GPU NVML sees (index, name, memory used and total, utilization, temperature,
power, fan; a figure the device does not give is '-'), then the processes on each, named by
the gaia worker they are. Without NVML or a device, says why.
${GLOBAL}`,

  logs: `usage: gaia logs [WORKER] [--tail N] [-f]

Prints the last lines the processes wrote, as 'process | line'. WORKER is a worker id
(see 'gaia workers'), 'io' or 'supervisor'; without it, every process.

  --tail N         how many lines (default 100)
  -f, --follow     keep printing new lines until Ctrl-C (with --json: one JSON object per line)
${GLOBAL}`,

  submit: `usage: gaia submit TASK [--payload JSON|@FILE] [--array NAME=FILE.npy] [--wait] [--timeout S]

Submits a job and prints its id. With --wait, waits for it and prints its result as JSON;
exits 1 when the job did not succeed.

  --payload JSON   the payload, e.g. '{"a": 1, "b": 2}'; @FILE reads it from a file, @- from stdin
  --array NAME=FILE.npy
                   upload a .npy file as input array NAME (repeatable); the task
                   finds it in ctx.arrays["NAME"]
  --wait           wait for the job to end; on a terminal, a progress bar while the
                   job reports progress, else a spinner with the elapsed time
  --timeout S      the job's time limit in seconds; --wait waits that long plus 10 s
                   (without it, the task's limit applies and --wait waits up to 300 s)
  --dry-run        check the job and print what would happen now (pool, the worker and
                   its GPUs that would take it, timeout, retries); nothing is journaled
  --session ID     the job's session_id: jobs of one session go to the same
                   worker while it lives and share ctx.session
  --idempotency-key KEY
                   a key seen before returns the existing job instead of a new one
${GLOBAL}`,

  job: `usage: gaia job ID [--save-arrays DIR]

Shows one job: task, state, attempts, timings, worker, payload, and its result or error.

  --save-arrays DIR
                   also write each result array as DIR/NAME.npy
${GLOBAL}`,

  jobs: `usage: gaia jobs [--state S] [--task T] [--limit N] [--after ID]

Lists jobs as a table.

  --state S        queued, running, succeeded, failed, timed_out or cancelled
  --task T         only this task
  --limit N        at most N jobs (default 100)
  --after ID       the next page, after the job ID printed by the previous one
${GLOBAL}`,

  cancel: `usage: gaia cancel ID

Cancels a job: a queued one is removed, a running one has its worker killed and replaced.
Exits 2 when the job has already ended.
${GLOBAL}`,

  schedules: `usage: gaia schedules

Lists every schedule: name, when it fires (cron, every, loop), task, state (scheduled,
running, paused, done), next and last run, the last run's outcome, runs, skips, and
whether it comes from the config or the API.
${GLOBAL}`,

  schedule: `usage: gaia schedule run|pause|resume NAME

  run NAME         run the schedule now, paused or not (prints the job id); refused (exit 2)
                   while its last run is still going and it does not overlap runs
  pause NAME       no more runs until resumed; the pause outlives restarts (for a schedule
                   from the config, until its config entry changes)
  resume NAME      runs again; the next run is computed from now (missed runs are not made up)

Schedules are created with PUT /v1/schedules/NAME or in the config's [[schedules]].
${GLOBAL}`,

  version: `usage: gaia version

Prints this binary's version. Needs no running gaia.

  --json           print {"version": ...}`,
};

/** The help of one command; the whole USAGE for a name it does not know. */
export function commandUsage(command: string): string {
  return COMMANDS[command] ?? USAGE;
}

/** Each command's `--help` (see usage.ts). Every client command's ends with the same GLOBAL block. */

const GLOBAL = `
Where gaia is, and output (the first one given wins):
  --url URL        gaia's TCP listener (control.listen), e.g. http://127.0.0.1:8470
  --token T        the bearer token for --url (default: $GAIA_TOKEN; gaia keeps it in
                   <run_dir>/token)
  --socket PATH    the control socket (default: $GAIA_SOCKET, then $GAIA_URL, then the
                   socket of the config 'gaia start' would read)
  --config FILE    the control socket of this config file (its run_dir and control.socket)
  --json           print the API's JSON instead of human output`;

export const COMMAND_HELP: Record<string, string> = {
  start: `usage: gaia start [--config FILE]

Runs gaia in the foreground: the supervisor, the IO engine and the worker pools.
FILE defaults to $GAIA_CONFIG, else ./gaia.toml when present, else built-in defaults.
Stop it with Ctrl-C, SIGTERM, or 'gaia stop'.

  --config FILE    the config to run (TOML or JSON); check it first with 'gaia config check'

(--socket, --url, --token and --json say where a running gaia is: start takes none of them.)`,

  config: `usage: gaia config check [FILE]
       gaia config schema

  check [FILE]     validates the config (FILE or --config FILE, else $GAIA_CONFIG, else
                   ./gaia.toml, else the built-in defaults), then loads every pool's modules
                   in a throwaway process (Python pools with their interpreter, which must
                   have cbor2), and checks that each schedule's task and each tasks."NAME"
                   is served by some pool. Prints the effective config with every default
                   filled in and the tasks each pool serves, as JSON; or one line per
                   problem (with the line number of a syntax error) and exits 2.
  schema           prints the config's JSON Schema, made from the schemas that validate it,
                   for editors (e.g. taplo or VS Code's JSON support)
${GLOBAL}
(config reads files only: of the flags above it uses --config; the output is always JSON.)`,

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

  restart: `usage: gaia restart WORKER|POOL

Replaces a worker with a new process: a planned restart, not counted as a crash. It gets no
new jobs; the one it is running has shutdown.grace_s to finish. A NAME that is a pool's (see
'gaia status') restarts every worker of that pool, one at a time, each new one ready before
the next goes; any other NAME is a worker id (see 'gaia workers'), e.g. default-0.
${GLOBAL}`,

  gpus: `usage: gaia gpus

Lists every GPU NVML sees (index, name, memory used and total, utilization, temperature,
power, fan; a figure the device does not give is '-'), then the processes on each, named by
the gaia worker they are. Without NVML or a device, says why.
${GLOBAL}`,

  nodes: `usage: gaia nodes

Lists each node of the cluster (SPEC §13; gaias started with the same cluster.url): its
state (alive, or lapsed: taken for dead, its running jobs given to others), its lease (the
time left, or how long ago it lapsed), its pools as NAME:WORKERS/RUNNING, and its workers
and running jobs in all. The node that answered is marked '(this node)'. A gaia of one host
(no cluster.url) has no nodes: it says so, and the command exits 2.
${GLOBAL}`,

  logs: `usage: gaia logs [WORKER] [--tail N] [-f]

Prints the last lines the processes wrote, as 'process | line'. WORKER is a worker id
(see 'gaia workers'), 'io' or 'supervisor'; without it, every process.

  --tail N         how many lines (default 100)
  -f, --follow     keep printing new lines until Ctrl-C (with --json: one JSON object per line)
${GLOBAL}`,

  events: `usage: gaia events [--job ID] [--session ID]

Prints gaia's events as they happen, one line each ('TIME  KIND  key=value ...'), until
Ctrl-C: process.started, process.ready, process.exited, process.restarted,
process.crashlooping; job.queued, job.started, job.progress, job.finished; schedule.*. When
the stream drops (an IO engine restart) it reconnects and misses nothing gaia still holds.

  --job ID         only this job's events
  --session ID     only this session's events
  --json           one JSON object per line: {"id", "kind", "at", "data"}
${GLOBAL}`,

  completion: `usage: gaia completion bash|zsh|fish

Prints a completion script for the shell: commands, their flags, subcommands, and the
values of flags such as --state. Install it with one of:

  bash   source <(gaia completion bash)            # in ~/.bashrc
  zsh    gaia completion zsh > ~/.zfunc/_gaia      # with fpath+=~/.zfunc before compinit
  fish   gaia completion fish > ~/.config/fish/completions/gaia.fish
${GLOBAL}`,

  submit: `usage: gaia submit TASK [--payload JSON|@FILE] [--array NAME=FILE.npy] [--priority N]
                   [--delay S] [--wait] [--timeout S] [--save-arrays DIR]

Submits a job and prints its id. With --wait, prints the id on stderr at once, waits for the
job and prints its result as JSON; exits 1 when the job did not succeed.

  --payload JSON   the payload, e.g. '{"a": 1, "b": 2}'; @FILE reads it from a file, @- from stdin
  --array NAME=FILE.npy
                   upload a .npy file as input array NAME (repeatable); the task
                   finds it in ctx.arrays["NAME"]
  --priority N     an integer; within a pool, higher runs first (default 0)
  --delay S        do not start the job before S seconds from now
  --wait           wait for the job to end; on a terminal, a progress bar driven by the
                   job's events while it reports progress, else a spinner with the time
  --timeout S      the job's time limit in seconds; --wait waits that long plus 10 s
                   (without it, the task's limit applies and --wait waits up to 300 s)
  --save-arrays DIR
                   with --wait: write each result array as DIR/NAME.npy
  --dry-run        check the job and print what would happen now (pool, the worker and
                   its GPUs that would take it, timeout, retries); nothing is journaled
  --session ID     the job's session_id: jobs of one session go to the same
                   worker while it lives and share ctx.session
  --idempotency-key KEY
                   a key seen before returns the existing job instead of a new one
${GLOBAL}`,

  job: `usage: gaia job ID [--logs] [--save-arrays DIR]

Shows one job: task, state, attempts, timings, worker, payload, and its result or error.

  --logs           print the lines the job printed instead, per attempt
  --save-arrays DIR
                   also write each result array as DIR/NAME.npy
${GLOBAL}`,

  jobs: `usage: gaia jobs [--state S] [--task T] [--schedule NAME] [--limit N] [--after ID]

Lists jobs as a table, newest first.

  --state S        queued, running, succeeded, failed, timed_out or cancelled
  --task T         only this task
  --schedule NAME  only the jobs this schedule made
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

  sessions: `usage: gaia sessions

Lists every pipeline session (SPEC §12): id, pipeline, state (initializing, ready,
terminating, terminated, failed), nodes, frames in and out summed over its nodes, when it
was made, and why it failed. 'gaia sessions --json' has each node's pid, memory and channel figures.
${GLOBAL}`,

  session: `usage: gaia session start PIPELINE [--id ID]
       gaia session stop ID

  start PIPELINE   start a session of a pipeline from the config's [[pipelines]] or one
                   PUT to /v1/pipelines/NAME; prints the session's id at once, while its
                   nodes initialize (GET /v1/sessions/ID says when it is ready)
  --id ID          the session's id (default: one gaia makes up)
  stop ID          end it: its inputs close, nodes finish the frames they hold (5 s), then
                   TERM and KILL; prints its final state

Frames go in with POST /v1/sessions/ID/input/NODE.PORT and come out of
GET /v1/sessions/ID/output/NODE.PORT (server-sent events) or the WebSocket /stream.
${GLOBAL}`,

  version: `usage: gaia version

Prints this binary's version. Needs no running gaia.
${GLOBAL}`,
};

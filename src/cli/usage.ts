/**
 * The help texts: `USAGE` for `gaia --help`, `commandUsage(CMD)` for `gaia CMD --help`.
 * Written by hand rather than generated from the flag table, because a good help line says
 * what a flag is for, not only that it exists; src/cli/usage.test.ts checks that each text
 * names every flag its command takes, so the two cannot drift apart.
 */
import { COMMAND_HELP } from "./usage-commands.ts";

export const USAGE = `gaia: a supervised multi-process job runtime

usage: gaia COMMAND [ARGS] [--config FILE | --socket PATH | --url URL --token T] [--json]

Running gaia:
  start [--config FILE]      run the supervisor, IO engine and worker pools (foreground)
  stop                       stop gracefully and wait until gaia is gone
  status                     version, uptime, pools and job counts
  workers                    each worker: state, pid, memory, jobs done, restarts, last exit
  restart WORKER|POOL        replace a worker, or every worker of a pool one at a time
  gpus                       each GPU: memory, utilization, temperature, power; its processes
  nodes                      each node of the cluster: state, lease, pools, running jobs
  logs [WORKER] [--tail N] [-f]
                             recent output of every process, or of one; -f follows
  events [--job ID]          print events as they come (processes, jobs, schedules)
  config check [FILE]        validate a config, load its modules, print the effective one
  config schema              print the config's JSON Schema (for editors)
  completion bash|zsh|fish   print a shell completion script
  version                    print this binary's version

Jobs:
  submit TASK [--payload JSON|@FILE] [--array NAME=FILE.npy] [--priority N] [--delay S]
         [--wait] [--timeout S] [--save-arrays DIR]
                             submit a job; --wait waits for it and prints its result
  job ID [--logs] [--save-arrays DIR]
                             one job: state, timings, worker, result or error; its output
  jobs [--state S] [--task T] [--schedule NAME] [--limit N]
                             list jobs, newest first
  cancel ID                  cancel a queued or running job

Schedules:
  schedules                  every schedule: when, state, next and last run, last outcome
  schedule run NAME          run a schedule now; prints the new job's id
  schedule pause NAME        stop a schedule's runs until it is resumed (outlives restarts)
  schedule resume NAME       let a paused schedule run again

Pipelines:
  sessions                   every pipeline session: state, pipeline, nodes, frames
  session start PIPELINE [--id ID]
                             start a session of a pipeline; prints its id
  session stop ID            stop a session: inputs close, nodes drain, then TERM and KILL

Where gaia is (every command but start; the first one given wins):
  --url URL --token T   TCP (control.listen), with the bearer token ($GAIA_TOKEN)
  --socket PATH         the control socket
  --config FILE         the control socket of this config (its run_dir and control.socket)
                        then $GAIA_SOCKET, then $GAIA_URL, then the config 'gaia start' reads
  --json                print the API's JSON instead of tables, for scripts
  -h, --help            help; 'gaia COMMAND --help' for one command

Environment:
  GAIA_CONFIG      the config file (default: ./gaia.toml when present, else built-in defaults)
  GAIA_RUN_DIR     overrides run_dir: sockets and registry
  GAIA_DATA_DIR    overrides data_dir: the journal
  GAIA_SOCKET      the control socket the client commands talk to
  GAIA_URL         gaia's TCP address (http://HOST:PORT or https://...), with GAIA_TOKEN
  GAIA_TOKEN       the bearer token for GAIA_URL or --url
  GAIA_LOG_FORMAT  text | json: the format of gaia's own log

Exit codes:
  0  ok
  1  the job failed (submit --wait), or gaia could not do it now (queue full, store full, 5xx)
  2  usage or config error, or the request was refused (bad input, unknown job, bad token, ...)
  3  gaia cannot be reached (not running), or is starting or stopping (503)`;

/** The help of one command; the whole USAGE for a name it does not know. */
export function commandUsage(command: string): string {
  return COMMAND_HELP[command] ?? USAGE;
}

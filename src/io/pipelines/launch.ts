/**
 * The command line and environment of each node process (pure): what the IO engine hands the
 * supervisor to spawn for a session (the supervisor adds the stdin-EOF pipe, log capture,
 * the memory watchdog, CUDA_VISIBLE_DEVICES for `gpus` and GAIA_SECRET, as for every child).
 *
 *   bun      <self> __node --socket RUN/nodes.sock --session S --node ID --module M --type T
 *   python   PYTHON -m gaia_worker.node_runtime  (same flags), with the gaia_worker package
 *            this binary carries first on PYTHONPATH (src/supervisor/python-package.ts)
 *
 * `<self>` is `selfCommand()` of src/supervisor/commands.ts: the binary itself, or bun and
 * src/main.ts from a checkout. Node processes get no BLAS thread caps (unlike Python pools,
 * SPEC §2): a node is one long-lived process holding its model, its threads are its own;
 * `env` sets them where wanted. `describeArgv` is the throwaway process that lists a module's
 * node types and ports (describe.ts).
 */
import type { PipelineNodeConfig } from "./schema.ts";

export type LaunchContext = {
  /** How to run this program again (selfCommand()). */
  selfCommand: string[];
  /** The folder holding gaia_worker/ for PYTHONPATH, or null to use the interpreter's own. */
  pythonPackage: string | null;
  /** The session runtime's control socket, `<run_dir>/nodes.sock`. */
  socket: string;
  /** The environment node processes start from (the IO engine passes process.env). */
  baseEnv: Record<string, string | undefined>;
};

/** One node process to spawn: what the lead's `spawn` hook receives. */
export type NodeLaunch = {
  session: string;
  node: string;
  /** The process name in logs and /v1/status: `session/<id>/<node>`. */
  name: string;
  runtime: "bun" | "python";
  argv: string[];
  env: Record<string, string | undefined>;
  memory_limit_mb: number;
  gpus: PipelineNodeConfig["gpus"];
};

type NodeSpec = Pick<PipelineNodeConfig, "id" | "runtime" | "module" | "node" | "python" | "env">;

export function nodeArgv(spec: NodeSpec, session: string, ctx: LaunchContext): string[] {
  const flags = ["--socket", ctx.socket, "--session", session, "--node", spec.id, "--module", spec.module, "--type", spec.node];
  if (spec.runtime === "python") return [spec.python, "-m", "gaia_worker.node_runtime", ...flags];
  return [...ctx.selfCommand, "__node", ...flags];
}

export function nodeEnv(spec: NodeSpec, ctx: LaunchContext): Record<string, string | undefined> {
  if (spec.runtime !== "python") return { ...ctx.baseEnv, ...spec.env };
  const path = [ctx.pythonPackage, ctx.baseEnv.PYTHONPATH].filter(Boolean).join(":");
  return { ...ctx.baseEnv, PYTHONUNBUFFERED: "1", ...spec.env, PYTHONPATH: spec.env.PYTHONPATH ? `${path}:${spec.env.PYTHONPATH}` : path };
}

export function nodeLaunch(spec: PipelineNodeConfig, session: string, ctx: LaunchContext): NodeLaunch {
  return {
    session,
    node: spec.id,
    name: `session/${session}/${spec.id}`,
    runtime: spec.runtime,
    argv: nodeArgv(spec, session, ctx),
    env: nodeEnv(spec, ctx),
    memory_limit_mb: spec.memory_limit_mb,
    gpus: spec.gpus,
  };
}

/** The throwaway process that prints a module's node types and ports as one JSON line. */
export function describeArgv(spec: Pick<NodeSpec, "runtime" | "module" | "python">, ctx: LaunchContext): string[] {
  if (spec.runtime === "python") return [spec.python, "-m", "gaia_worker.node_runtime", "--describe", spec.module];
  return [...ctx.selfCommand, "__node", "--describe", spec.module];
}

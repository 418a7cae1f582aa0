/**
 * The gaia_worker package, carried inside the binary so that the Python side always
 * matches it: at start the files are written under `<run_dir>/python/` and that folder goes
 * first on the Python pools' PYTHONPATH.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import init from "../../python/gaia_worker/__init__.py" with { type: "text" };
import arrays from "../../python/gaia_worker/arrays.py" with { type: "text" };
import main from "../../python/gaia_worker/__main__.py" with { type: "text" };
import context from "../../python/gaia_worker/context.py" with { type: "text" };
import execute from "../../python/gaia_worker/execute.py" with { type: "text" };
import output from "../../python/gaia_worker/output.py" with { type: "text" };
import messages from "../../python/gaia_worker/messages.py" with { type: "text" };
import protocol from "../../python/gaia_worker/protocol.py" with { type: "text" };
import registry from "../../python/gaia_worker/registry.py" with { type: "text" };
import nodeApi from "../../python/gaia_worker/node_api.py" with { type: "text" };
import nodeChannels from "../../python/gaia_worker/node_channels.py" with { type: "text" };
import nodeFrames from "../../python/gaia_worker/node_frames.py" with { type: "text" };
import nodeInputs from "../../python/gaia_worker/node_inputs.py" with { type: "text" };
import nodeMessages from "../../python/gaia_worker/node_messages.py" with { type: "text" };
import nodeProcess from "../../python/gaia_worker/node_process.py" with { type: "text" };
import nodeRuntime from "../../python/gaia_worker/node_runtime.py" with { type: "text" };
import nodeValues from "../../python/gaia_worker/node_values.py" with { type: "text" };
import runtime from "../../python/gaia_worker/runtime.py" with { type: "text" };
// The client side (SPEC §14), so that a task may use Client or GaiaExecutor too: this copy
// comes first on PYTHONPATH and would hide a pip-installed package's client modules.
import aioHttp from "../../python/gaia_worker/_aio_http.py" with { type: "text" };
import arraysIo from "../../python/gaia_worker/_arrays_io.py" with { type: "text" };
import completions from "../../python/gaia_worker/_completions.py" with { type: "text" };
import http from "../../python/gaia_worker/_http.py" with { type: "text" };
import requests from "../../python/gaia_worker/_requests.py" with { type: "text" };
import aio from "../../python/gaia_worker/aio.py" with { type: "text" };
import aioArrays from "../../python/gaia_worker/aio_arrays.py" with { type: "text" };
import client from "../../python/gaia_worker/client.py" with { type: "text" };
import clientArrays from "../../python/gaia_worker/client_arrays.py" with { type: "text" };
import errors from "../../python/gaia_worker/errors.py" with { type: "text" };
import events from "../../python/gaia_worker/events.py" with { type: "text" };
import executor from "../../python/gaia_worker/executor.py" with { type: "text" };
import job from "../../python/gaia_worker/job.py" with { type: "text" };
import stream from "../../python/gaia_worker/stream.py" with { type: "text" };
import testing from "../../python/gaia_worker/testing.py" with { type: "text" };

const FILES: Record<string, string> = {
  "__init__.py": init,
  "__main__.py": main,
  "arrays.py": arrays,
  "context.py": context,
  "execute.py": execute,
  "output.py": output,
  "messages.py": messages,
  "protocol.py": protocol,
  "registry.py": registry,
  "node_api.py": nodeApi,
  "node_channels.py": nodeChannels,
  "node_frames.py": nodeFrames,
  "node_inputs.py": nodeInputs,
  "node_messages.py": nodeMessages,
  "node_process.py": nodeProcess,
  "node_runtime.py": nodeRuntime,
  "node_values.py": nodeValues,
  "runtime.py": runtime,
  "_aio_http.py": aioHttp,
  "_arrays_io.py": arraysIo,
  "_completions.py": completions,
  "_http.py": http,
  "_requests.py": requests,
  "aio.py": aio,
  "aio_arrays.py": aioArrays,
  "client.py": client,
  "client_arrays.py": clientArrays,
  "errors.py": errors,
  "events.py": events,
  "executor.py": executor,
  "job.py": job,
  "stream.py": stream,
  "testing.py": testing,
};

/** Writes the package under `<run_dir>/python/gaia_worker/`; returns the folder for PYTHONPATH. */
export function installPythonPackage(runDir: string): string {
  const root = join(runDir, "python");
  mkdirSync(join(root, "gaia_worker"), { recursive: true });
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(root, "gaia_worker", name), text);
  return root;
}

/**
 * Checks that a pool's interpreter runs and has cbor2; a one-line problem otherwise, saying
 * how to fix it.
 */
export function checkInterpreter(python: string, at: string, pythonPath: string): string | null {
  let result: ReturnType<typeof Bun.spawnSync>;
  try {
    result = Bun.spawnSync([python, "-c", "import cbor2"], { env: { ...process.env, PYTHONPATH: pythonPath }, stderr: "pipe", stdout: "ignore" });
  } catch {
    return `config: ${at}.python: cannot run '${python}': no such program; install Python 3.10+ or set ${at}.python to an interpreter`;
  }
  if (result.exitCode === 0) return null;
  const stderr = result.stderr?.toString() ?? "";
  if (stderr.includes("cbor2")) return `config: ${at}.python: '${python}' has no cbor2 package; install it with '${python} -m pip install cbor2'`;
  return `config: ${at}.python: '${python} -c "import cbor2"' failed: ${stderr.trim().split("\n").pop() ?? `exit code ${result.exitCode}`}`;
}

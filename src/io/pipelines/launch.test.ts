import { describe, expect, test } from "bun:test";
import { describeArgv, nodeArgv, nodeEnv, nodeLaunch, type LaunchContext } from "./launch.ts";
import { PipelineNode } from "./schema.ts";

const ctx: LaunchContext = { selfCommand: ["/opt/gaia"], pythonPackage: "/run/python", socket: "/run/nodes.sock", baseEnv: { PATH: "/bin", PYTHONPATH: "/site" } };
const bun = PipelineNode.parse({ id: "vad", runtime: "bun", module: "/app/nodes.ts", node: "audio.vad", env: { K: "1" } });
const py = PipelineNode.parse({ id: "asr", runtime: "python", python: "/venv/bin/python", module: "/app/s2s.py", node: "speech.asr", memory_limit_mb: 512, gpus: 1 });

describe("a node's command line and environment", () => {
  test("Bun nodes run the binary with the __node role; Python nodes gaia_worker.node_runtime", () => {
    const flags = ["--socket", "/run/nodes.sock", "--session", "s1", "--node"];
    expect(nodeArgv(bun, "s1", ctx)).toEqual(["/opt/gaia", "__node", ...flags, "vad", "--module", "/app/nodes.ts", "--type", "audio.vad"]);
    expect(nodeArgv(py, "s1", ctx)).toEqual(["/venv/bin/python", "-m", "gaia_worker.node_runtime", ...flags, "asr", "--module", "/app/s2s.py", "--type", "speech.asr"]);
  });

  test("Python gets the embedded package first on PYTHONPATH and unbuffered output; the node's env wins", () => {
    expect(nodeEnv(py, ctx)).toEqual({ PATH: "/bin", PYTHONPATH: "/run/python:/site", PYTHONUNBUFFERED: "1" });
    expect(nodeEnv({ ...py, env: { PYTHONPATH: "/mine", PYTHONUNBUFFERED: "0" } }, ctx)).toEqual({ PATH: "/bin", PYTHONPATH: "/run/python:/site:/mine", PYTHONUNBUFFERED: "0" });
    expect(nodeEnv(bun, ctx)).toEqual({ PATH: "/bin", PYTHONPATH: "/site", K: "1" });
  });

  test("the launch carries what the supervisor applies: name, memory limit, GPUs", () => {
    expect(nodeLaunch(py, "s1", ctx)).toMatchObject({ session: "s1", node: "asr", name: "session/s1/asr", runtime: "python", memory_limit_mb: 512, gpus: 1 });
  });

  test("the describe process", () => {
    expect(describeArgv(bun, ctx)).toEqual(["/opt/gaia", "__node", "--describe", "/app/nodes.ts"]);
    expect(describeArgv(py, ctx)).toEqual(["/venv/bin/python", "-m", "gaia_worker.node_runtime", "--describe", "/app/s2s.py"]);
  });
});

/**
 * ctx.gpus in real workers of both runtimes (SPEC §4, §11), through the compiled binary. The
 * supervisor will set GAIA_GPUS and CUDA_VISIBLE_DEVICES from the pool's gpus (gpuEnv in
 * src/supervisor/gpu/assign.ts); until that is wired in, and on this machine without a GPU,
 * the pool's env sets them: what is tested is that each runtime reads what it is given.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { resolve } from "node:path";
import { VENV_PYTHON } from "../python/run-tests.ts";
import { gpuEnv } from "../src/supervisor/gpu/assign.ts";
import { Gaia } from "./helpers/gaia.ts";

const H200 = { index: 3, uuid: "GPU-11111111-2222-3333-4444-555555555555", name: "NVIDIA H200" };
const env = gpuEnv([H200]);
let gaia: Gaia;

beforeAll(async () => {
  gaia = await Gaia.start({
    config: {
      pools: [
        { name: "default", size: 1, modules: [resolve(import.meta.dir, "fixtures/gpu_tasks.ts")], env },
        { name: "py", runtime: "python", python: VENV_PYTHON, size: 1, modules: [resolve(import.meta.dir, "fixtures/py_gpu_tasks.py")], env },
      ],
    },
  });
});
afterAll(async () => gaia?.stop());

test("a Bun worker's ctx.gpus is what GAIA_GPUS says, beside CUDA_VISIBLE_DEVICES", async () => {
  const job = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "gpu.ctx" })).body;
  expect(job).toMatchObject({ state: "succeeded", result: { gpus: [H200], cuda: H200.uuid } });
});

test("a Python worker's ctx.gpus is the same, as objects with index, uuid and name", async () => {
  const job = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "pygpu.ctx" })).body;
  expect(job).toMatchObject({ state: "succeeded", result: { gpus: [H200], cuda: H200.uuid } });
});

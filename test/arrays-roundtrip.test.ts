/**
 * Arrays end to end (SPEC §6): every dtype uploaded raw, through a task in each runtime
 * (a Bun pool and a Python pool with numpy, both real processes mapping real /dev/shm
 * files), and downloaded again; `.npy` files of rank 0 to 4 written and read by numpy.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DTYPE_NAMES, type Dtype } from "../src/arrays/dtypes.ts";
import { VENV_PYTHON } from "../python/run-tests.ts";
import { Gaia } from "./helpers/gaia.ts";

const bunTasks = resolve(import.meta.dir, "fixtures/array_tasks.ts");
const pyTasks = resolve(import.meta.dir, "fixtures/py_array_tasks.py");
let gaia: Gaia;

beforeAll(async () => {
  gaia = await Gaia.start({
    config: {
      pools: [
        { name: "default", size: 1, modules: [bunTasks] },
        { name: "py", runtime: "python", python: VENV_PYTHON, size: 1, modules: [pyTasks] },
      ],
    },
  });
});
afterAll(async () => gaia?.stop());

type Typed = { length: number; [i: number]: number | bigint; buffer: ArrayBufferLike; byteOffset: number; byteLength: number };
const CTORS: Record<Dtype, new (n: number) => Typed> = {
  bool: Uint8Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array,
  uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array, float16: Float16Array, float32: Float32Array, float64: Float64Array,
};

/** Six values per dtype, extremes included, so wrapping and rounding are exercised. */
function sample(dtype: Dtype): Typed {
  const a = new CTORS[dtype](6);
  const values: Record<Dtype, (number | bigint)[]> = {
    bool: [0, 1, 1, 0, 0, 1],
    int8: [-128, -1, 0, 1, 126, 127],
    uint8: [0, 1, 2, 127, 254, 255],
    int16: [-32768, -1, 0, 7, 32766, 32767],
    uint16: [0, 1, 300, 40000, 65534, 65535],
    int32: [-2147483648, -1, 0, 5, 2147483646, 2147483647],
    uint32: [0, 1, 70000, 3000000000, 4294967294, 4294967295],
    int64: [-(2n ** 63n), -1n, 0n, 5_000_000_000n, 2n ** 63n - 2n, 2n ** 63n - 1n],
    uint64: [0n, 1n, 5_000_000_000n, 2n ** 63n, 2n ** 64n - 2n, 2n ** 64n - 1n],
    // 2048 + 1 and 65504 + 1 round back to themselves in half precision, in JS and numpy alike.
    float16: [-1.5, 0, 0.1, 65504, 2048, -7.25],
    float32: [-1.5, 0, 0.1, 3.4e38, 16777216, -7.25],
    float64: [-1.5, 0, 0.1, 1.7e308, 2 ** 53, -7.25],
  };
  values[dtype].forEach((v, i) => (a[i] = v));
  return a;
}

/** What `arr.inc` / `pyarr.inc` must return: x + 1 in the dtype (wrapping), `not x` for bool. */
function incremented(dtype: Dtype, a: Typed): Typed {
  const out = new CTORS[dtype](a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    out[i] = dtype === "bool" ? (v ? 0 : 1) : typeof v === "bigint" ? v + 1n : v + 1;
  }
  return out;
}

const bytesOf = (a: Typed) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

async function upload(dtype: Dtype, data: Typed, shape = "2,3"): Promise<string> {
  const res = await gaia.request("POST", `/v1/arrays?dtype=${dtype}&shape=${shape}`, bytesOf(data));
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ dtype, shape: shape.split(",").map(Number), byte_length: data.byteLength });
  return res.body.name;
}

async function download(name: string): Promise<{ bytes: Uint8Array; headers: Headers }> {
  const res = await fetch(`http://gaia/v1/arrays/${name}`, { unix: gaia.socket } as RequestInit);
  expect(res.status).toBe(200);
  return { bytes: new Uint8Array(await res.arrayBuffer()), headers: res.headers };
}

describe("every dtype through both runtimes", () => {
  for (const [runtime, task] of [["bun", "arr.inc"], ["python", "pyarr.inc"]] as const) {
    test(`${runtime}: upload → task reads a view and writes an output → download`, async () => {
      for (const dtype of DTYPE_NAMES) {
        const input = sample(dtype);
        const name = await upload(dtype, input);
        const job = (await gaia.request("POST", "/v1/jobs?wait=20", { task, arrays: { x: name } })).body;
        expect({ dtype, state: job.state, error: job.error }).toEqual({ dtype, state: "succeeded", error: null });
        expect(job.result.x).toMatchObject({ dtype, shape: [2, 3] });
        if (runtime === "python") expect(job.result.x.writeable).toBe(false);
        const out = job.result_arrays.x as string;
        expect(out).toMatch(/^gaia-\d+p\d+-[0-9a-f]{32}a1w\d+o0$/);
        const { bytes, headers } = await download(out);
        expect(headers.get("x-gaia-dtype")).toBe(dtype);
        expect(headers.get("x-gaia-shape")).toBe("2,3");
        expect({ dtype, bytes: [...bytes] }).toEqual({ dtype, bytes: [...bytesOf(incremented(dtype, input))] });
        // The input was read, not changed.
        expect([...(await download(name)).bytes]).toEqual([...bytesOf(input)]);
      }
    });
  }

  test("a Bun task writing into its input changes only its own copy-on-write view", async () => {
    const name = await upload("float32", Float32Array.from([1, 2, 3, 4, 5, 6]) as unknown as Typed);
    const job = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "arr.scribble", arrays: { x: name } })).body;
    expect(job).toMatchObject({ state: "succeeded", result: -1 });
    expect([...new Float32Array((await download(name)).bytes.buffer)]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test("Python inputs are read-only unless the task asked for writable arrays", async () => {
    const name = await upload("float64", Float64Array.from([1, 2, 3, 4, 5, 6]) as unknown as Typed);
    const refused = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "pyarr.write_input", arrays: { x: name } })).body;
    expect(refused).toMatchObject({ state: "failed", error: { type: "ValueError" } });
    expect(refused.error.message).toContain("read-only");
    const allowed = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "pyarr.write_input_allowed", arrays: { x: name }, payload: { value: 9 } })).body;
    expect(allowed).toMatchObject({ state: "succeeded", result: "written" });
    expect([...new Float64Array((await download(name)).bytes.buffer)]).toEqual([9, 9, 9, 9, 9, 9]);
  });
});

describe(".npy files", () => {
  test("numpy's own files of rank 0 to 4 upload, download as .npy, and load equal in numpy", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gaia-npy-"));
    try {
      const shapes = ["()", "(5,)", "(3, 4)", "(2, 3, 4)", "(2, 1, 3, 2)", "(0, 3)", "(7,)"];
      const dtypes = ["float32", "int64", "uint8", "bool", "float64", "int16", "float16"];
      const make = shapes.map((shape, i) => `np.save(r"${dir}/in${i}.npy", (np.arange(int(np.prod(${shape})), dtype=np.float64) * 1.5 - 3).astype("${dtypes[i]}").reshape(${shape}))`);
      python(`import numpy as np\n${make.join("\n")}`);
      for (let i = 0; i < shapes.length; i++) {
        const file = readFileSync(join(dir, `in${i}.npy`));
        const up = await gaia.request("POST", "/v1/arrays", new Uint8Array(file), { "content-type": "application/x-npy" });
        expect(up.status).toBe(201);
        expect(up.body.dtype).toBe(dtypes[i]!);
        const res = await fetch(`http://gaia/v1/arrays/${up.body.name}`, { unix: gaia.socket, headers: { accept: "application/x-npy" } } as RequestInit);
        expect(res.headers.get("content-type")).toBe("application/x-npy");
        await Bun.write(join(dir, `out${i}.npy`), await res.arrayBuffer());
      }
      const check = shapes.map((_, i) => `a, b = np.load(r"${dir}/in${i}.npy"), np.load(r"${dir}/out${i}.npy"); assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), (${i}, a, b)`);
      python(`import numpy as np\n${check.join("\n")}\nprint("ok")`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("Fortran order, big-endian and structured dtypes are refused with the reason", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gaia-npy-"));
    try {
      python(`import numpy as np
np.save(r"${dir}/f.npy", np.asfortranarray(np.ones((3, 4), dtype=np.float32)))
np.save(r"${dir}/be.npy", np.ones(4, dtype=">f8"))
np.save(r"${dir}/rec.npy", np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8")]))`);
      for (const [file, phrase] of [["f.npy", "Fortran order"], ["be.npy", "big-endian"], ["rec.npy", "structured"]]) {
        const res = await gaia.request("POST", "/v1/arrays", new Uint8Array(readFileSync(join(dir, file!))), { "content-type": "application/x-npy" });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe("invalid_npy");
        expect(res.body.error.message).toContain(phrase!);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function python(code: string): void {
  const run = Bun.spawnSync([VENV_PYTHON, "-c", code], { stdout: "pipe", stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`python failed: ${run.stderr.toString()}`);
}

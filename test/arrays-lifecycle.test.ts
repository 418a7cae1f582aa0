/**
 * Who owns an array file and when it goes (SPEC §6): refused names, sizes and the cap;
 * held inputs; failed and killed jobs leaving nothing; TTL and purge; a restart after
 * `kill -9` of every process; and the bytes an array adds to io.sock.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { VENV_PYTHON } from "../python/run-tests.ts";
import { Gaia, shmFiles } from "./helpers/gaia.ts";

const bunTasks = resolve(import.meta.dir, "fixtures/array_tasks.ts");
const pyTasks = resolve(import.meta.dir, "fixtures/py_array_tasks.py");
const MiB = 1024 * 1024;
let gaia: Gaia;

beforeAll(async () => {
  gaia = await Gaia.start({
    config: {
      pools: [
        { name: "default", size: 2, modules: [bunTasks] },
        { name: "py", runtime: "python", python: VENV_PYTHON, size: 1, modules: [pyTasks] },
      ],
    },
  });
});
afterAll(async () => gaia?.stop());

/** The output files of job `id` (any attempt) in /dev/shm. */
const jobFiles = (id: string) => shmFiles("gaia-").filter((f) => f.includes(`-${id.replaceAll("-", "")}a`));

async function upload(g: Gaia, bytes: number, dtype = "uint8"): Promise<{ status: number; body: any }> {
  return g.request("POST", `/v1/arrays?dtype=${dtype}&shape=${bytes}`, new Uint8Array(bytes).fill(1));
}

describe("names, sizes and shapes that are refused", () => {
  test("a forged name, a path and '../' never reach the filesystem", async () => {
    const real = (await upload(gaia, 8)).body.name as string;
    const forged = real.replace(/[0-9a-f]{4}$/, "ffff"); // the right form, but gaia never made it
    for (const bad of ["..%2F..%2Fetc%2Fpasswd", "..", "gaia-1p1-..", "%2Fdev%2Fshm%2Fx", "journal.sqlite"]) {
      for (const method of ["GET", "DELETE"]) {
        const res = await gaia.request(method, `/v1/arrays/${bad}`);
        // ".." is resolved away by URL parsing before routing: no route (404), never a file.
        const expected = bad === ".." ? { status: 404, code: "not_found" } : { status: 400, code: "invalid_array" };
        expect({ bad, method, status: res.status, code: res.body.error?.code }).toEqual({ bad, method, ...expected });
      }
    }
    expect((await gaia.request("GET", `/v1/arrays/${forged}`)).status).toBe(404);
    for (const name of ["../../etc/passwd", "/dev/shm/x", forged]) {
      const res = await gaia.request("POST", "/v1/jobs", { task: "arr.ends", arrays: { x: name } });
      expect(res.status).toBe(400);
      expect(["invalid_array", "unknown_array"]).toContain(res.body.error.code);
    }
  });

  test("a body whose size disagrees with dtype × shape is a 400 and leaves no file", async () => {
    const before = shmFiles("gaia-").length;
    const short = await gaia.request("POST", "/v1/arrays?dtype=float32&shape=4,4", new Uint8Array(60));
    expect(short.status).toBe(400);
    expect(short.body.error.code).toBe("size_mismatch");
    const bad = await gaia.request("POST", "/v1/arrays?dtype=float33&shape=4", new Uint8Array(16));
    expect(bad.body.error.message).toContain("dtype must be one of bool, int8");
    const shape = await gaia.request("POST", "/v1/arrays?dtype=uint8&shape=4,-1", new Uint8Array(16));
    expect(shape.status).toBe(400);
    const truncatedNpy = new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0x76, 0]);
    const npy = await gaia.request("POST", "/v1/arrays", truncatedNpy, { "content-type": "application/x-npy" });
    expect(npy.status).toBe(400);
    expect(npy.body.error.code).toBe("invalid_npy");
    const empty = await gaia.request("POST", "/v1/arrays?dtype=float64&shape=0,3", new Uint8Array(0));
    expect(empty.status).toBe(201);
    expect(empty.body).toMatchObject({ shape: [0, 3], byte_length: 0 });
    await gaia.request("DELETE", `/v1/arrays/${empty.body.name}`);
    const local = await gaia.request("POST", "/v1/arrays", { dtype: "float32", shape: [2], extra: 1 });
    expect(local.status).toBe(400);
    expect(shmFiles("gaia-").length).toBe(before);
  });
});

describe("the local zero-copy allocation", () => {
  test("the client writes the file in place; a job reads what it wrote", async () => {
    const made = await gaia.request("POST", "/v1/arrays", { dtype: "float64", shape: [3] });
    expect(made.status).toBe(201);
    expect(made.body.path).toBe(`/dev/shm/${made.body.name}`);
    const mapped = Bun.mmap(made.body.path);
    new Float64Array(mapped.buffer, mapped.byteOffset, 3).set([2.5, 0, 4]);
    const job = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "arr.ends", arrays: { v: made.body.name } })).body;
    expect(job).toMatchObject({ state: "succeeded", result: { v: 6.5 } });
  });
});

describe("who holds a file, and when it goes", () => {
  test("an input is held while a job that names it runs: DELETE is 409, then 200 and the file goes", async () => {
    const name = (await upload(gaia, 64)).body.name as string;
    const id = (await gaia.request("POST", "/v1/jobs", { task: "arr.hold", payload: { ms: 800 }, arrays: { x: name } })).body.id;
    await gaia.untilRunning(id);
    const held = await gaia.request("DELETE", `/v1/arrays/${name}`);
    expect(held.status).toBe(409);
    expect(held.body.error.code).toBe("array_in_use");
    expect((await gaia.request("GET", `/v1/jobs/${id}?wait=10`)).body.state).toBe("succeeded");
    expect((await gaia.request("DELETE", `/v1/arrays/${name}`)).status).toBe(200);
    expect(shmFiles(name)).toEqual([]);
    expect((await gaia.request("GET", `/v1/arrays/${name}`)).status).toBe(404);
  });

  for (const prefix of ["arr", "pyarr"]) {
    test(`${prefix}: a job that fails after making an output leaves no file`, async () => {
      const job = (await gaia.request("POST", "/v1/jobs?wait=10", { task: `${prefix}.fail_after_output` })).body;
      expect(job).toMatchObject({ state: "failed", result_arrays: {} });
      expect(job.error.message).toContain("failed after making an output");
      expect(jobFiles(job.id)).toEqual([]);
    });

    test(`${prefix}: a worker kill -9ed mid-job leaves no file once the job is terminal`, async () => {
      const id = (await gaia.request("POST", "/v1/jobs", { task: `${prefix}.hang_after_output`, retries: { max: 0 } })).body.id;
      const running = await gaia.untilRunning(id);
      await gaia.until("the output file", async () => jobFiles(id).length === 1);
      process.kill(running.worker.pid, "SIGKILL");
      const job = (await gaia.request("GET", `/v1/jobs/${id}?wait=15`)).body;
      expect(job).toMatchObject({ state: "failed", error: { type: "worker_lost" } });
      expect(jobFiles(id)).toEqual([]);
    });
  }

  test("a Bun result that cannot be stored or sent fails the job, and its output goes", async () => {
    for (const task of ["arr.output_then_map", "arr.output_then_fn"]) {
      const job = (await gaia.request("POST", "/v1/jobs?wait=10", { task })).body;
      expect({ task, state: job.state, type: job.error?.type }).toEqual({ task, state: "failed", type: "ResultError" });
      expect(jobFiles(job.id)).toEqual([]);
    }
  });

  test("a Python result that cannot be sent fails the job, and its output goes", async () => {
    const job = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "pyarr.return_view" })).body;
    expect(job).toMatchObject({ state: "failed", error: { type: "ResultError" }, result_arrays: {} });
    expect(jobFiles(job.id)).toEqual([]);
  });

  test("an array of 64 MiB adds no more than a few hundred bytes to io.sock", async () => {
    const ioBytes = async () => {
      const s = (await gaia.request("GET", "/v1/status")).body;
      return s.io_socket.read + s.io_socket.written;
    };
    const small = (await gaia.request("POST", "/v1/arrays", { dtype: "float32", shape: [4] })).body.name;
    const big = (await gaia.request("POST", "/v1/arrays", { dtype: "float32", shape: [16 * MiB] })).body.name;
    const cost = async (name: string) => {
      const before = await ioBytes();
      const job = (await gaia.request("POST", "/v1/jobs?wait=20", { task: "arr.ends", arrays: { data: name } })).body;
      expect(job.state).toBe("succeeded");
      return (await ioBytes()) - before;
    };
    await cost(small); // warm-up: both measured runs then take the same path
    const smallCost = await cost(small);
    const bigCost = await cost(big);
    expect(bigCost).toBeLessThan(smallCost + 300);
    expect(bigCost).toBeLessThan(4096); // one submit, one job, one result, two status calls
  });
});

describe("spare files", () => {
  test("a deleted array's file is kept as a spare, reused zeroed by the next output of its size in either runtime", async () => {
    const bytes = 2 * MiB;
    const status = async () => (await gaia.request("GET", "/v1/status")).body.arrays;
    for (const task of ["arr.zeroed_output", "pyarr.zeroed_output"]) {
      const name = (await upload(gaia, bytes)).body.name as string;
      const instance = name.split("-")[1];
      expect((await gaia.request("DELETE", `/v1/arrays/${name}`)).status).toBe(200);
      expect(shmFiles(`gaia-${instance}-z${bytes}n`).length).toBe(1);
      expect((await status()).spare_bytes).toBe(bytes);
      const job = (await gaia.request("POST", "/v1/jobs?wait=10", { task, payload: { bytes } })).body;
      expect({ task, state: job.state, result: job.result }).toEqual({ task, state: "succeeded", result: true });
      expect(shmFiles(`gaia-${instance}-z`)).toEqual([]);
      expect((await status()).spare_bytes).toBe(0);
      const out = await fetch(`http://gaia/v1/arrays/${job.result_arrays.out}`, { unix: gaia.socket } as RequestInit);
      expect(new Uint8Array(await out.arrayBuffer()).every((b) => b === 5)).toBe(true);
      expect((await gaia.request("DELETE", `/v1/arrays/${job.result_arrays.out}`)).status).toBe(200);
      // That output's file is the spare now; the next test run of the loop starts from one spare.
      expect((await status()).spare_bytes).toBe(bytes);
      const again = (await gaia.request("POST", "/v1/jobs?wait=10", { task, payload: { bytes } })).body;
      expect(again.result).toBe(true);
      await gaia.request("DELETE", `/v1/arrays/${again.result_arrays.out}`);
      expect((await gaia.request("POST", "/v1/jobs?wait=10", { task, payload: { bytes } })).body.result).toBe(true);
    }
  });
});

describe("a kill -9 of the IO engine alone", () => {
  test("arrays, their holds and the spares survive it: the run (and its instance) goes on", async () => {
    const held = (await upload(gaia, 64)).body.name as string;
    const spare = (await upload(gaia, 2 * MiB)).body.name as string;
    await gaia.request("DELETE", `/v1/arrays/${spare}`);
    const id = (await gaia.request("POST", "/v1/jobs", { task: "arr.hold", payload: { ms: 1500 }, arrays: { x: held } })).body.id;
    await gaia.untilRunning(id);
    const before = (await gaia.request("GET", "/v1/status")).body;
    process.kill(before.io.pid, "SIGKILL");
    await gaia.until("a new IO engine", async () => {
      const s = (await gaia.request("GET", "/v1/status")).body;
      return s.io.pid && s.io.pid !== before.io.pid && s.arrays ? s : null;
    });
    const after = (await gaia.request("GET", "/v1/status")).body.arrays;
    expect(after.spare_bytes).toBe(before.arrays.spare_bytes);
    expect(after.bytes).toBe(before.arrays.bytes);
    expect((await gaia.request("DELETE", `/v1/arrays/${held}`)).status).toBe(409);
    expect((await gaia.request("GET", `/v1/jobs/${id}?wait=15`)).body.state).toBe("succeeded");
    expect((await gaia.request("DELETE", `/v1/arrays/${held}`)).status).toBe(200);
  });
});

describe("the cap, the TTL and the purge", () => {
  let small: Gaia;
  beforeAll(async () => {
    small = await Gaia.start({
      config: { pools: [{ name: "default", size: 1, modules: [bunTasks] }], arrays: { max_bytes: "4KiB", ttl_s: 1 }, queue: { result_ttl_s: 1 } },
    });
  });
  afterAll(async () => small?.stop());

  test("uploads and outputs beyond arrays.max_bytes are refused with 507 and leave nothing", async () => {
    expect((await upload(small, 5000)).status).toBe(507);
    const first = await upload(small, 3000);
    expect(first.status).toBe(201);
    const over = await upload(small, 2000);
    expect(over.status).toBe(507);
    expect(over.body.error.code).toBe("arrays_full");
    const job = (await small.request("POST", "/v1/jobs?wait=10", { task: "arr.output_bytes", payload: { bytes: 2000 } })).body;
    expect(job).toMatchObject({ state: "failed", error: { type: "array_limit_exceeded" } });
    expect(jobFiles(job.id)).toEqual([]);
    expect((await small.request("DELETE", `/v1/arrays/${first.body.name}`)).status).toBe(200);
  });

  test("an upload nobody holds goes after ttl_s; a job's output goes when the job is purged", async () => {
    const name = (await upload(small, 16)).body.name as string;
    const job = (await small.request("POST", "/v1/jobs?wait=10", { task: "arr.output_bytes", payload: { bytes: 32 } })).body;
    expect(job.state).toBe("succeeded");
    const out = job.result_arrays.out as string;
    expect(shmFiles(out)).toEqual([out]);
    await small.until("the upload to expire", async () => (await small.request("GET", `/v1/arrays/${name}`)).status === 404);
    expect(shmFiles(name)).toEqual([]);
    await small.until("the job and its output to be purged", async () => (await small.request("GET", `/v1/arrays/${out}`)).status === 404);
    expect((await small.request("GET", `/v1/jobs/${job.id}`)).status).toBe(404);
    expect(shmFiles(out)).toEqual([]);
  });
});

describe("the start-up check", () => {
  test("an arrays.dir smaller than arrays.max_bytes is named at start, with what to do", async () => {
    const big = await Gaia.start({ config: { pools: [{ name: "default", size: 1 }], arrays: { max_bytes: "100TiB" } } });
    try {
      expect(big.output).toMatch(/warning: arrays\.dir \/dev\/shm holds \d+ MiB, less than arrays\.max_bytes \(104857600 MiB\).*--shm-size/);
    } finally {
      await big.stop();
    }
    const fine = await Gaia.start({ config: { pools: [{ name: "default", size: 1 }], arrays: { max_bytes: "1MiB" } } });
    try {
      expect(fine.output).not.toContain("warning: arrays.dir");
    } finally {
      await fine.stop();
    }
  });
});

describe("after kill -9 of every process", () => {
  test("the next start removes every file of the dead instance; a graceful stop, its own", async () => {
    const first = await Gaia.start({ config: { pools: [{ name: "default", size: 1, modules: [bunTasks] }] } });
    const name = (await upload(first, 1024)).body.name as string;
    const id = (await first.request("POST", "/v1/jobs", { task: "arr.hang_after_output" })).body.id;
    await first.untilRunning(id);
    await first.until("the output file", async () => jobFiles(id).length === 1);
    const dead = `gaia-${first.proc.pid}p`;
    expect(shmFiles(dead).length).toBe(2);
    for (const pid of first.registryPids()) process.kill(pid, "SIGKILL");
    await first.proc.exited;
    const second = await Gaia.start({ dir: first.dir, config: { pools: [{ name: "default", size: 1, modules: [bunTasks] }] } });
    try {
      expect(shmFiles(dead)).toEqual([]);
      expect((await second.request("GET", `/v1/arrays/${name}`)).status).toBe(404);
      expect(second.output).toContain("of gaia instances that are no longer running");
      // A graceful stop takes its own run's arrays with it.
      expect((await upload(second, 100)).status).toBe(201);
      expect(shmFiles(`gaia-${second.proc.pid}p`).length).toBe(1);
      expect(await second.terminate()).toBe(0);
      expect(shmFiles(`gaia-${second.proc.pid}p`)).toEqual([]);
    } finally {
      await second.stop();
    }
  });
});

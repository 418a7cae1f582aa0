/**
 * A task module that lives outside the repository (SPEC §4): it imports the task-author
 * types by path, `tsc` checks it with no Bun or Node types in its lib (a wrong use fails),
 * its own test runs a handler through `runTask` under `bun test` there, and a real gaia
 * worker serves it (the type import is erased at run time).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Dtype as ArrayDtype } from "../src/arrays/dtypes.ts";
import type { Dtype } from "../src/client/task-types.ts";
import { GaiaClient } from "../src/client/index.ts";
import { Gaia } from "./helpers/gaia.ts";

// The public Dtype is written out by hand (the file must stand alone): it must stay numpy's list.
const _same: [Dtype, ArrayDtype] extends [ArrayDtype, Dtype] ? true : never = true;

const repo = resolve(import.meta.dir, "..");
const types = join(repo, "src/client/task-types.ts");
const tsc = join(repo, "node_modules/.bin/tsc");
const dir = mkdtempSync(join(tmpdir(), "gaia-task-module-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TSCONFIG = {
  compilerOptions: { strict: true, noEmit: true, target: "ES2022", module: "ESNext", moduleResolution: "bundler", allowImportingTsExtensions: true, lib: ["ES2022"], types: [] },
  include: ["tasks.ts"],
};

const GOOD = `
import type { Task, TaskContext, TaskTable } from ${JSON.stringify(types)};

const add: Task<{ a: number; b: number }, number> = (p) => p.a + p.b;

export const tasks = {
  "ext.add": add,
  "ext.invert": (_p: unknown, ctx) => {
    const src = ctx.arrays.image as Uint8Array;
    const out = ctx.output("image", ctx.shapes.image!, "uint8") as Uint8Array;
    for (let i = 0; i < src.length; i++) out[i] = 255 - src[i]!;
    ctx.progress(1, "inverted");
    return { pixels: src.length, dtype: ctx.dtypes.image, gpus: ctx.gpus.length, left: ctx.time_left() > 0 };
  },
  "ext.count": async (_p: null, ctx: TaskContext) => {
    ctx.session.n = ((ctx.session.n as number | undefined) ?? 0) + 1;
    return { n: ctx.session.n, reset: ctx.session_reset, attempt: ctx.attempt, job: ctx.job_id.length > 0 };
  },
} satisfies TaskTable;
`;

const WRONG = `
import type { TaskTable } from ${JSON.stringify(types)};
export const tasks = {
  "ext.bad": (_p: unknown, ctx) => {
    ctx.progres(0.5);
    return ctx.output("x", [2], "float128");
  },
} satisfies TaskTable;
`;

async function typecheck(source: string): Promise<{ code: number; out: string }> {
  writeFileSync(join(dir, "tasks.ts"), source);
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(TSCONFIG));
  const proc = Bun.spawn([tsc, "--noEmit", "-p", dir], { cwd: dir, stdout: "pipe", stderr: "pipe", timeout: 120_000 });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out: stdout + stderr };
}

describe("a task module outside the repository", () => {
  test("tsc passes a correct use of TaskContext, Task and TaskTable, and fails a wrong one", async () => {
    expect(await typecheck(GOOD)).toEqual({ code: 0, out: "" });
    const wrong = await typecheck(WRONG);
    expect(wrong.code).not.toBe(0);
    expect(wrong.out).toContain("Property 'progres' does not exist on type 'TaskContext'. Did you mean 'progress'?");
    expect(wrong.out).toContain(`Argument of type '"float128"' is not assignable to parameter of type 'Dtype'`);
    writeFileSync(join(dir, "tasks.ts"), GOOD);
  }, 120_000);

  test("its own test, under bun test there, runs a handler with runTask", async () => {
    writeFileSync(join(dir, "tasks.ts"), GOOD);
    writeFileSync(join(dir, "tasks.test.ts"), `
import { expect, test } from "bun:test";
import { runTask } from ${JSON.stringify(join(repo, "workers/testing.ts"))};
import { tasks } from "./tasks.ts";
test("invert", async () => {
  const run = await runTask(tasks["ext.invert"], null, { arrays: { image: new Uint8Array([0, 10, 255]) } });
  expect([...run.arrays.image!]).toEqual([255, 245, 0]);
  expect(run.value).toEqual({ pixels: 3, dtype: "uint8", gpus: 0, left: true });
});`);
    const proc = Bun.spawn([process.execPath, "test", "tasks.test.ts"], { cwd: dir, stdout: "pipe", stderr: "pipe", timeout: 60_000 });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect({ code, out: out + err }).toEqual({ code: 0, out: expect.stringContaining("1 pass") });
  });

  test("a real gaia worker serves it", async () => {
    writeFileSync(join(dir, "tasks.ts"), GOOD);
    const gaia = await Gaia.start({ config: { pools: [{ name: "default", size: 1, modules: [join(dir, "tasks.ts")] }] } });
    try {
      const client = new GaiaClient({ socket: gaia.socket });
      expect(await client.call("ext.add", { a: 2, b: 3 }, { timeoutS: 10 })).toBe(5);
      const image = await client.arrays.upload(new Uint8Array([1, 2]));
      const job = await client.wait((await client.submit("ext.invert", null, { arrays: { image: image.name } })).id, { timeoutS: 10 });
      expect(job).toMatchObject({ state: "succeeded", result: { pixels: 2, dtype: "uint8", gpus: 0, left: true } });
      expect([...(await client.arrays.download(job.result_arrays.image!)).data]).toEqual([254, 253]);
      client.close();
    } finally {
      await gaia.stop();
    }
  });
});

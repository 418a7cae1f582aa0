/**
 * Python's protocol mirrors the worker messages field by field (SPEC §9): the table in
 * python/gaia_worker/messages.py names the same fields, required the same way, as the zod
 * schemas of src/protocol/worker-messages.ts. Real Python prints its table; this compares.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import type { z } from "zod";
import { VENV_PYTHON } from "../python/run-tests.ts";
import { Hello } from "../src/protocol/messages.ts";
import * as worker from "../src/protocol/worker-messages.ts";

const schemas: Record<string, z.ZodObject> = {
  hello: Hello.options.find((o) => o.shape.role.value === "worker") as unknown as z.ZodObject,
  welcome: worker.Welcome, job: worker.JobMessage, result: worker.Result, ack: worker.Ack, progress: worker.Progress,
  log: worker.Log, ping: worker.Ping, pong: worker.Pong, cancel: worker.Cancel, drain: worker.Drain,
  promote: worker.Promote, fatal: worker.Fatal,
};

/** field -> required, as zod sees it (a default or optional() makes a field optional on the wire). */
function fields(schema: z.ZodObject): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const [name, field] of Object.entries(schema.shape)) {
    if (name === "t") continue;
    const def = (field as z.ZodType).def as { type: string };
    out[name] = !["optional", "default"].includes(def.type) && !(field as z.ZodType).safeParse(undefined).success;
  }
  return out;
}

test("python/gaia_worker/messages.py names every worker message's fields as the TypeScript schemas do", () => {
  const script = "import json; from gaia_worker.messages import FIELDS; print(json.dumps({t: {f: r for f, (_, r) in fs.items()} for t, fs in FIELDS.items()}))";
  const run = Bun.spawnSync([VENV_PYTHON, "-c", script], { cwd: join(import.meta.dir, "../python"), stderr: "pipe" });
  expect(run.stderr.toString()).toBe("");
  const python = JSON.parse(run.stdout.toString()) as Record<string, Record<string, boolean>>;
  const typescript = Object.fromEntries(Object.entries(schemas).map(([tag, schema]) => [tag, fields(schema)]));
  expect(python).toEqual(typescript);
});

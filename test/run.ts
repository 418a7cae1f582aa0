/**
 * `npm test`: every test, then one closing line that CI reads ("tests: N passed, N failed").
 *
 * Bun's runner takes the TypeScript tests (unit tests beside the code, integration tests in
 * test/). Integration tests start real processes; they run one file at a time so that two
 * gaias never compete for this machine's two cores while a test waits on a deadline.
 * Python's tests (python/tests, pytest in .venv, made when missing) run after them.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ensureVenv } from "../python/run-tests.ts";

const root = join(import.meta.dir, "..");
const bun = process.execPath;

type Counts = { passed: number; failed: number };

async function run(cmd: string[], parse: (out: string) => Counts): Promise<Counts & { code: number }> {
  const proc = Bun.spawn(cmd, { cwd: root, stdout: "pipe", stderr: "pipe", env: { ...process.env, FORCE_COLOR: "0" } });
  let text = "";
  const tee = async (stream: ReadableStream<Uint8Array>, out: NodeJS.WriteStream) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      const s = decoder.decode(chunk, { stream: true });
      text += s;
      out.write(s);
    }
  };
  await Promise.all([tee(proc.stdout, process.stdout), tee(proc.stderr, process.stderr)]);
  const code = await proc.exited;
  return { ...parse(text), code };
}

const bunCounts = (out: string): Counts => ({
  passed: Number(/^\s*(\d+) pass$/m.exec(out)?.[1] ?? 0),
  failed: Number(/^\s*(\d+) fail$/m.exec(out)?.[1] ?? 0),
});

const pytestCounts = (out: string): Counts => ({
  passed: Number(/(\d+) passed/.exec(out)?.[1] ?? 0),
  failed: Number(/(\d+) failed/.exec(out)?.[1] ?? 0) + Number(/(\d+) errors?/.exec(out)?.[1] ?? 0),
});

// The Python pools of the integration tests run on .venv's interpreter.
ensureVenv();

const results: (Counts & { code: number })[] = [];
results.push(await run([bun, "test", "--timeout", "60000", "--max-concurrency", "1", ...process.argv.slice(2)], bunCounts));

const pythonTests = join(root, "python/tests");
if (existsSync(pythonTests) && process.argv.length <= 2) {
  results.push(await run([bun, join(root, "python/run-tests.ts")], pytestCounts));
}

const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
const ok = results.every((r) => r.code === 0) && failed === 0 && passed > 0;
console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(ok ? 0 : 1);

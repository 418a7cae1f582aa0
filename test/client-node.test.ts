/**
 * The TypeScript client outside this repository: from Node (the client compiled to one .mjs
 * with Bun.build, since Node 20 cannot strip TypeScript) and from a Bun script in a folder of
 * its own that imports src/client/index.ts by path, each against a real gaia.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Gaia } from "./helpers/gaia.ts";

const clientEntry = resolve(import.meta.dir, "../src/client/index.ts");
const tasksModule = resolve(import.meta.dir, "fixtures/tasks.ts");
const node = Bun.which("node");
let gaia: Gaia;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gaia-client-outside-"));
  gaia = await Gaia.start({ config: { pools: [{ name: "default", size: 1, modules: [tasksModule] }] } });
});
afterAll(async () => {
  await gaia?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The same script for both runtimes: what it prints is compared. */
const SCRIPT = (from: string) => `
import { GaiaApiError, GaiaClient, GaiaUnreachableError } from ${JSON.stringify(from)};
const client = new GaiaClient(); // GAIA_SOCKET
const out = {};
out.pools = (await client.status()).pools.map((p) => p.name);
out.echo = await client.call("echo", { from: "outside" }, { timeoutS: 10 });
const events = await client.subscribe();
const { id } = await client.submit("test.progress");
for await (const e of events) if (e.kind === "job.finished" && e.data.job_id === id) { out.finished = e.data.state; break; }
const arr = await client.arrays.upload(new Float64Array([1.5, 2.5]));
const back = await client.arrays.download(arr.name);
out.array = [back.dtype, back.shape, Array.from(new Float64Array(back.data.buffer, back.data.byteOffset, 2))];
try { await client.submit("no.such.task"); } catch (e) { out.refused = [e instanceof GaiaApiError, e.status, e.code]; }
try { await new GaiaClient({ socket: "/nonexistent/gaia.sock" }).status(); } catch (e) { out.unreachable = [e instanceof GaiaUnreachableError, e.code]; }
client.close();
console.log(JSON.stringify(out));
`;

const EXPECTED = {
  pools: ["default"],
  echo: { from: "outside" },
  finished: "succeeded",
  array: ["float64", [2], [1.5, 2.5]],
  refused: [true, 400, "unknown_task"],
  unreachable: [true, "ENOENT"],
};

async function run(cmd: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, GAIA_SOCKET: gaia.socket, GAIA_URL: undefined, GAIA_TOKEN: undefined };
  const proc = Bun.spawn(cmd, { cwd, env, stdout: "pipe", stderr: "pipe", timeout: 30_000 });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

describe("the client outside the repository", () => {
  test.if(node !== null)("from Node, compiled to an .mjs; the bundle uses no Bun API", async () => {
    const built = await Bun.build({ entrypoints: [clientEntry], target: "node", format: "esm", outdir: join(dir, "dist"), naming: "gaia-client.mjs" });
    expect(built.success).toBe(true);
    const bundle = readFileSync(join(dir, "dist/gaia-client.mjs"), "utf8");
    expect(bundle).not.toMatch(/\bBun\./);
    writeFileSync(join(dir, "node-script.mjs"), SCRIPT("./dist/gaia-client.mjs"));
    const ran = await run([node!, "node-script.mjs"], dir);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(ran.stdout)).toEqual(EXPECTED);
  });

  test("from a Bun script in a folder of its own, importing src/client/index.ts by path", async () => {
    writeFileSync(join(dir, "bun-script.ts"), SCRIPT(clientEntry));
    const ran = await run([process.execPath, "bun-script.ts"], dir);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(ran.stdout)).toEqual(EXPECTED);
  });
});

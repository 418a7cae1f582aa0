/**
 * A listening socket that outlives the process serving it (src/http/listen-socket.ts), as the
 * supervisor will use gaia.sock: it creates the socket once, a child serves it as its fd 3,
 * and while no child runs the parent serves a dup of it. What this file proves: the child
 * answers; when the child is killed with SIGKILL, a client that connects meanwhile is not
 * refused but waits in the backlog, and is answered once the parent serves on a dup; and the
 * parent's stop closes only its dup, so the next child serves the same socket.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { closeFd, createListenSocket, dupFd, serveHttp } from "../src/http/index.ts";
import { RawClient } from "./helpers/raw-http.ts";

const dir = mkdtempSync(join(tmpdir(), "gaia-http-fd-"));
const path = join(dir, "gaia.sock");
const CHILD = join(import.meta.dir, "fixtures/http-fd-child.ts");
const children: Subprocess[] = [];
let listening = -1;

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  if (listening >= 0) closeFd(listening);
  rmSync(dir, { recursive: true, force: true });
});

/** A child serving `fd` as its fd 3, once it says it is ready. */
async function startChild(fd: number): Promise<Subprocess<"pipe", "pipe", "inherit">> {
  const child = Bun.spawn([process.execPath, CHILD], { stdio: ["pipe", "pipe", "inherit", fd] });
  children.push(child);
  const reader = child.stdout.getReader();
  const deadline = setTimeout(() => child.kill("SIGKILL"), 15_000);
  const { value } = await reader.read();
  clearTimeout(deadline);
  reader.releaseLock();
  if (new TextDecoder().decode(value) !== "ready\n") throw new Error(`the child did not get ready (exit ${child.exitCode})`);
  return child;
}

async function ask(): Promise<{ served_by: string; pid?: number }> {
  const res = await fetch("http://gaia/who", { unix: path } as RequestInit);
  return (await res.json()) as { served_by: string; pid?: number };
}

const fdOpen = (fd: number) => existsSync(`/proc/self/fd/${fd}`);

test("a child serves the inherited socket; across its SIGKILL a client waits in the backlog and the parent's dup answers it; the next child serves on", async () => {
  listening = createListenSocket(path);
  expect(statSync(path).mode & 0o777).toBe(0o600);

  const first = await startChild(listening);
  expect(await ask()).toEqual({ served_by: "child", pid: first.pid });

  first.kill("SIGKILL");
  await first.exited;
  const waiting = await RawClient.connect({ unix: path }); // not refused: the kernel queues it
  waiting.send("GET /who HTTP/1.1\r\nHost: gaia\r\n\r\n");
  await Bun.sleep(200);
  expect({ answered: waiting.text, closed: waiting.closed }).toEqual({ answered: "", closed: false });

  const dup = dupFd(listening);
  const fallback = await serveHttp({ fd: dup }, () => Response.json({ served_by: "parent" }));
  const [res] = await waiting.responses(1);
  expect(JSON.parse(res!.body)).toEqual({ served_by: "parent" });
  expect(await ask()).toEqual({ served_by: "parent" });
  waiting.destroy();

  await fallback.stop(true);
  expect({ dup: fdOpen(dup), shared: fdOpen(listening), path: existsSync(path) }).toEqual({ dup: false, shared: true, path: true });

  const cpu = process.cpuUsage();
  const second = await startChild(listening);
  for (let i = 0; i < 5; i++) expect(await ask()).toEqual({ served_by: "child", pid: second.pid });
  await Bun.sleep(300);
  const used = process.cpuUsage(cpu);
  // A closed dup left in the event loop would spin it; this is the figure, not a bound.
  console.log(`parent CPU while the second child served: ${Math.round((used.user + used.system) / 1000)} ms`);

  second.stdin.end(); // the child exits on stdin EOF, as gaia's children do
  expect(await second.exited).toBe(0);
});

test("createListenSocket refuses a path that exists and one too long for a Unix socket, saying why", () => {
  expect(() => createListenSocket(path)).toThrow(/cannot bind .*gaia\.sock: Address already in use/);
  expect(() => createListenSocket(join(dir, "x".repeat(120)))).toThrow(/more than the 107 a Unix socket allows/);
});

test("serveHttp({ unix }) refuses a path a live server listens on, and replaces a stale socket file", async () => {
  const live = join(dir, "live.sock");
  const first = await serveHttp({ unix: live }, () => new Response("first"));
  await expect(serveHttp({ unix: live }, () => new Response("second"))).rejects.toThrow(/is in use: a server listens on it/);
  first.closeAll();
  const stale = createListenSocket(join(dir, "stale.sock"));
  closeFd(stale); // the file stays, nobody listens
  const second = await serveHttp({ unix: join(dir, "stale.sock") }, () => new Response("second"));
  expect(await (await fetch("http://gaia/", { unix: join(dir, "stale.sock") } as RequestInit)).text()).toBe("second");
  await Promise.all([first.stop(), second.stop()]);
});

/**
 * A real headless Chromium for the dashboard's tests, driven by playwright-core: Debian's
 * `chromium` (.ci/run installs it; `npx playwright install` cannot download browsers here),
 * a new empty profile per launch, and the flags that keep it from calling out (no
 * background networking, component updates, sync or QUIC). `close()` ends the browser and
 * any process still running with that profile (found by its --user-data-dir in
 * /proc/PID/cmdline, ended by pid), then removes the profile.
 *
 * Also a plain TCP forward to a Unix socket, as `ssh -L` or socat would be, so a browser can
 * reach gaia.sock and the page can be tested there (where no sign-in is needed).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
export { freePort } from "./ports.ts";

export const CHROMIUM = process.env.GAIA_TEST_CHROMIUM ?? "/usr/bin/chromium";
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export type Browser = { context: BrowserContext; close(): Promise<void> };

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium, as .ci/run does) or set GAIA_TEST_CHROMIUM`);
  const profile = mkdtempSync(join(tmpdir(), "gaia-chromium-"));
  // headless: true makes playwright pass --headless (Chromium's new headless mode).
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 900 } });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      for (const pid of pidsUsing(profile)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {}
      }
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

function pidsUsing(profile: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(profile)) pids.push(Number(entry));
    } catch {} // gone meanwhile
  }
  return pids;
}

type End = { peer?: import("bun").Socket<End>; pending: Uint8Array[] };
type Sock = import("bun").Socket<End>;

/** Writes all of `chunk`, keeping what the socket did not take until it drains. */
function send(to: Sock, chunk: Uint8Array): void {
  if (to.data.pending.length) return void to.data.pending.push(chunk);
  const n = to.write(chunk);
  if (n < chunk.length) to.data.pending.push(chunk.slice(Math.max(n, 0)));
}

function drain(sock: Sock): void {
  while (sock.data.pending.length) {
    const chunk = sock.data.pending[0]!;
    const n = sock.write(chunk);
    if (n < chunk.length) return void (sock.data.pending[0] = chunk.slice(Math.max(n, 0)));
    sock.data.pending.shift();
  }
}

/** 127.0.0.1:PORT → the Unix socket `path`, byte for byte, both ways. */
export function forwardToUnix(path: string): { port: number; stop(): void } {
  const early = new Map<Sock, Uint8Array[]>();
  const server = Bun.listen<End>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        client.data = { pending: [] };
        early.set(client, []);
        void Bun.connect<End>({
          unix: path,
          socket: {
            open(upstream) {
              upstream.data = { peer: client, pending: [] };
              client.data.peer = upstream;
              for (const chunk of early.get(client) ?? []) send(upstream, chunk);
              early.delete(client);
            },
            data: (upstream, chunk) => void (upstream.data.peer && send(upstream.data.peer, new Uint8Array(chunk))),
            drain,
            close: (upstream) => void upstream.data.peer?.end(),
            error: (upstream) => void upstream.data.peer?.end(),
          },
        }).catch(() => client.end());
      },
      data(client, chunk) {
        if (client.data.peer) send(client.data.peer, new Uint8Array(chunk));
        else early.get(client)?.push(new Uint8Array(chunk));
      },
      drain,
      close: (client) => void (early.delete(client), client.data.peer?.end()),
      error: (client) => void client.data.peer?.end(),
    },
  });
  return { port: server.port, stop: () => server.stop(true) };
}

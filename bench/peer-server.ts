/**
 * A long-lived peer process driven by lines: the benchmark writes `COMMAND ARG…` on its stdin
 * and reads one JSON line back (bench/peer_server.py is the Python end). Long-lived so that
 * its pools (multiprocessing.Pool, ProcessPoolExecutor, Ray) stay up between the rounds of
 * an interleaved measure, as gaia does.
 *
 * The process exits on stdin's EOF, so a benchmark that dies takes its peers with it.
 */
import type { Subprocess } from "bun";

export class PeerServer {
  private buffer = "";
  private ended = false;
  private wake: (() => void) | null = null;

  private constructor(
    readonly name: string,
    private readonly proc: Subprocess<"pipe", "pipe", "inherit">,
  ) {
    void this.pump();
  }

  /** Reads stdout as it comes; `line()` takes from the buffer. */
  private async pump(): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.proc.stdout) {
        this.buffer += decoder.decode(chunk, { stream: true });
        this.wake?.();
      }
    } finally {
      this.ended = true;
      this.wake?.();
    }
  }

  /** Spawns `argv` and waits for its first line, `{"ready": …}`; returns the server and that line. */
  static async start(name: string, argv: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<{ server: PeerServer; ready: any }> {
    const proc = Bun.spawn(argv, { cwd: options.cwd, env: options.env ?? process.env, stdin: "pipe", stdout: "pipe", stderr: "inherit" });
    const server = new PeerServer(name, proc);
    const ready = await server.line().catch(async (e) => (await server.close(), Promise.reject(e)));
    if (!ready?.ready) throw new Error(`${name}: expected a ready line, got ${JSON.stringify(ready)}`);
    return { server, ready };
  }

  /** One command, one answer; an answer `{"error": …}` throws with the peer's words. */
  async call(command: string, ...args: (string | number)[]): Promise<any> {
    this.proc.stdin.write(`${[command, ...args].join(" ")}\n`);
    this.proc.stdin.flush();
    const answer = await this.line();
    if (answer && typeof answer === "object" && "error" in answer) throw new Error(`${this.name} ${command}: ${answer.error}`);
    return answer;
  }

  private async line(): Promise<any> {
    for (;;) {
      const end = this.buffer.indexOf("\n");
      if (end >= 0) {
        const text = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 1);
        return JSON.parse(text);
      }
      if (this.ended) throw new Error(`${this.name} exited (code ${await this.proc.exited}) before it answered`);
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }

  /** Closes stdin (the peer's signal to shut its pools and exit); SIGKILL after 20 s. */
  async close(): Promise<void> {
    try {
      this.proc.stdin.end();
    } catch {}
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 20_000);
    await this.proc.exited;
    clearTimeout(timer);
  }
}

/**
 * A private PostgreSQL server for one test file: the Debian `postgresql` package's binaries
 * (.ci/run installs it), a fresh cluster in a temp dir, a free TCP port on 127.0.0.1 and a
 * unix socket dir of its own, and a test role that logs in with a password (scram-sha-256),
 * so the URL a test gets is the kind a user would configure. No mock database.
 *
 * PostgreSQL refuses to run as root, and tests run as root: initdb, pg_ctl and psql run as
 * the `postgres` OS user (`runuser -u postgres --`), in a temp dir owned by that user.
 *
 * A run that crashed leaves its server behind. Each temp dir holds `owner.pid`, the pid of
 * the test process that made it; a start stops (by its data dir, `pg_ctl stop -D`) and
 * removes only dirs of this helper whose owner is dead. Servers that are not ours, or ours
 * with a live owner (another test file running now), are never touched: the port is picked
 * free, and the socket dir is private.
 *
 * `fsync = off`: a test server's data lives as long as its test; `restart()` stops cleanly
 * (`-m fast`), so nothing committed is lost across it.
 *
 * For hosts in network namespaces (test/helpers/netns.ts), `listen` adds addresses beside
 * 127.0.0.1 and `allow` the subnets the test role may log in from, with its password:
 *
 *   const hosts = await createHosts(2);
 *   const pg = await startPostgres({ listen: [hosts[0]!.hostAddress], allow: [hosts[0]!.subnet] });
 *   hosts[0]!.exec(["psql", pg.urlFor(hosts[0]!.hostAddress), "-c", "select 1"]);
 *
 * A listen address must exist when the server starts (and restarts): make the hosts first.
 */
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAlive } from "../../src/lib/proc.ts";
import { freePort } from "./ports.ts";

export type PgServer = {
  /** postgres://ROLE:PASSWORD@127.0.0.1:PORT/DB */
  url: string;
  /** `url` with another host, e.g. a netns host's `hostAddress` (see `listen`). */
  urlFor(host: string): string;
  port: number;
  dir: string;
  /** Stops the server (fast) and removes its temp dir; safe to call twice. */
  stop(): Promise<void>;
  /** Stops the server cleanly and starts it again on the same port and data. */
  restart(): Promise<void>;
  /** restart() in two halves, for a test that acts while the server is down. */
  down(): Promise<void>;
  up(): Promise<void>;
  /** A SQL statement run by the superuser over the socket (psql), e.g. to make a second database. */
  psql(sql: string): Promise<string>;
};

export type PgOptions = {
  /** IP addresses to listen on beside 127.0.0.1 ("0.0.0.0" for every IPv4 address). */
  listen?: string[];
  /** CIDRs (10.231.7.0/24) the test role may log in from, by scram-sha-256, beside localhost. */
  allow?: string[];
};

const PREFIX = "gaia-pg-";
const ROLE = "gaia_test";

/** The binaries' dir: GAIA_TEST_PG_BIN, else the newest /usr/lib/postgresql/N/bin with initdb. */
function pgBin(): string {
  if (process.env.GAIA_TEST_PG_BIN) return process.env.GAIA_TEST_PG_BIN;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin/initdb"))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error(`no PostgreSQL under ${root}: install the Debian postgresql package (apt-get install -y postgresql, as .ci/run does) or set GAIA_TEST_PG_BIN`);
  return join(root, versions[0]!, "bin");
}

async function asPostgres(args: string[], input?: string): Promise<string> {
  const proc = Bun.spawn(["runuser", "-u", "postgres", "--", ...args], { stdin: input === undefined ? "ignore" : new Blob([input]), stdout: "pipe", stderr: "pipe", cwd: "/" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${args.map((a) => a.split("/").pop()).join(" ")} exited ${code}: ${(err || out).trim()}`);
  return out;
}

/** The postmaster's pid from its data dir, or null when none runs there. */
function postmasterPid(data: string): number | null {
  try {
    const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    return pid > 0 && isAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** Stops the server of `dir` if one runs: pg_ctl first, then SIGKILL of that postmaster only. */
async function stopDir(dir: string, mode: "fast" | "immediate"): Promise<void> {
  const data = join(dir, "data");
  if (postmasterPid(data) === null) return;
  await asPostgres([join(pgBin(), "pg_ctl"), "-D", data, "-m", mode, "-w", "-t", "30", "stop"]).catch(() => {});
  const pid = postmasterPid(data);
  if (pid !== null) process.kill(pid, "SIGKILL");
}

/** Servers of earlier runs of this helper whose test process is gone. */
async function reapStale(): Promise<void> {
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(PREFIX))) {
    const dir = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, "owner.pid"), "utf8"));
    } catch {
      continue; // not made by this helper, or being made right now
    }
    if (owner > 0 && isAlive(owner)) continue;
    await stopDir(dir, "immediate");
    rmSync(dir, { recursive: true, force: true });
  }
}

/** listen_addresses: 127.0.0.1 and `listen`, where 0.0.0.0 stands alone for IPv4 (binding an address beside it fails: EADDRINUSE). */
function listenAddresses(listen: string[]): string {
  for (const a of listen) {
    // pg_ctl hands -o to a shell: only address characters get through.
    if (typeof a !== "string" || !/^[0-9a-fA-F.:]+$/.test(a)) throw new TypeError(`startPostgres({ listen }): ${JSON.stringify(a)} (${typeof a}) is not an IP address`);
  }
  const all = [...new Set(["127.0.0.1", ...listen])];
  return (all.includes("0.0.0.0") ? all.filter((a) => a === "0.0.0.0" || a.includes(":")) : all).join(",");
}

function hbaLines(allow: string[]): string {
  for (const cidr of allow) {
    if (typeof cidr !== "string" || !/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(cidr)) throw new TypeError(`startPostgres({ allow }): ${JSON.stringify(cidr)} (${typeof cidr}) is not a CIDR like 10.231.7.0/24`);
  }
  return allow.map((cidr) => `host all ${ROLE} ${cidr} scram-sha-256\n`).join("");
}

export async function startPostgres(options: PgOptions = {}): Promise<PgServer> {
  const listen = listenAddresses(options.listen ?? []);
  const hba = hbaLines(options.allow ?? []);
  const bin = pgBin();
  if (process.getuid?.() !== 0) throw new Error("test/helpers/postgres.ts runs initdb and pg_ctl as the postgres user (runuser), which takes root: run these tests as root, as CI does");
  await reapStale();
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(dir, "owner.pid"), String(process.pid));
  const pw = pwUser();
  chownSync(dir, pw.uid, pw.gid);
  const data = join(dir, "data");
  const password = crypto.randomUUID().replaceAll("-", "");
  try {
    await asPostgres([join(bin, "initdb"), "-D", data, "-U", "postgres", "-E", "UTF8", "--no-sync", "--auth-local=trust", "--auth-host=scram-sha-256"]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  appendFileSync(join(data, "pg_hba.conf"), hba);
  let port = 0;
  const up = async () => {
    const opts = `-c listen_addresses=${listen} -c port=${port} -c unix_socket_directories=${dir} -c fsync=off -c full_page_writes=off -c shared_buffers=16MB -c max_connections=100`;
    await asPostgres([join(bin, "pg_ctl"), "-D", data, "-l", join(dir, "server.log"), "-w", "-t", "60", "-o", opts, "start"]);
  };
  const down = () => stopDir(dir, "fast");
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off("exit", onExit);
    await down();
    rmSync(dir, { recursive: true, force: true });
  };
  // A test file that throws past its afterAll still exits: take the server with it.
  const onExit = () => {
    const pid = postmasterPid(data);
    if (pid !== null) process.kill(pid, "SIGQUIT"); // PostgreSQL's immediate shutdown
  };
  process.on("exit", onExit);
  try {
    for (let tries = 0; ; tries++) {
      port = freePort(); // start() retries if someone takes it first
      try {
        await up();
        break;
      } catch (err) {
        if (tries >= 2) throw new Error(`${err instanceof Error ? err.message : err}\n${readLog(dir)}`);
      }
    }
    const psql = (sql: string) => asPostgres([join(bin, "psql"), "-h", dir, "-p", String(port), "-U", "postgres", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", "postgres"], sql);
    await psql(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${password}'; CREATE DATABASE ${ROLE} OWNER ${ROLE};`);
    const restart = async () => (await down(), await up());
    const urlFor = (host: string) => `postgres://${ROLE}:${password}@${host.includes(":") ? `[${host}]` : host}:${port}/${ROLE}`;
    return { url: urlFor("127.0.0.1"), urlFor, port, dir, stop, restart, down, up, psql };
  } catch (err) {
    await stop();
    throw err;
  }
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, "server.log"), "utf8").trim().split("\n").slice(-10).join("\n");
  } catch {
    return "";
  }
}

function pwUser(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("postgres:"));
  if (!line) throw new Error("no `postgres` OS user: install the Debian postgresql package (it makes one), as .ci/run does");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

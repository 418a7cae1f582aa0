/**
 * Several "hosts" on this machine for a test: each a network namespace of its own
 * (`ip netns`), wired to the root namespace (where the test, and a PostgreSQL of
 * test/helpers/postgres.ts, run) through a veth pair on a bridge. No Docker; it takes root.
 *
 *   root namespace:  bridge gaia<pid>br, 10.231.X.1/24 (every host's `hostAddress`)
 *                      ├─ veth gaia<pid>h0 ─── namespace gaia-t-<pid>-0: eth0 10.231.X.2/24
 *                      └─ veth gaia<pid>h1 ─── namespace gaia-t-<pid>-1: eth0 10.231.X.3/24
 *
 * Inside each namespace `lo` is up (its own 127.0.0.1, not the root's) and the default route
 * goes via the bridge. The bridge switches frames between its ports, so hosts reach each other
 * as well as the root namespace without IP forwarding (a machine-wide sysctl we leave alone).
 * Unix sockets in the file system are not namespaced: a gaia in a namespace is still driven
 * over its socket in the temp dir.
 *
 * `linkDown()` sets the host's root-side veth down, as if its cable were pulled: the
 * namespace's eth0 loses carrier and frames either way are dropped, so connects time out
 * (from the root, EHOSTUNREACH instead once its ARP entry for the host has expired). The
 * bridge keeps the /24 route, so traffic for a downed host never leaks to the default gateway
 * (on the CI VM that gateway accepts TCP for any address). `linkUp()` restores it; open TCP
 * connections survive a cut and resume at their next retransmit. Measured here (Linux 6.18):
 * the namespace's side resumes within ~0.5 s whatever the cut, since a device without
 * carrier drops locally and TCP does not back off on local drops; the root's side backs off
 * as over a real network while other hosts keep the bridge up (a 10 s cut: ~3 s more).
 *
 * X, the subnet's third octet, is one per process: one no interface or route here uses. The
 * claim is "add our address, then look": a process that sees another interface in its /24
 * after adding its own backs off and tries another X, so two starting together cannot both
 * keep one (at worst both retry).
 *
 * Cleanup discipline is postgres.ts's: every name carries the pid of the test process that
 * made it. A start removes namespaces and links of this helper whose owner is dead (killing
 * what still runs in such a namespace); namespaces and links of live owners, and anything
 * not named by this helper, are never touched. A process that exits without `destroyAll()`
 * takes its hosts with it (an exit handler).
 */
import { readFileSync } from "node:fs";
import type { Subprocess, SpawnOptions } from "bun";
import { isAlive } from "../../src/lib/proc.ts";

const NS_NAME = /^gaia-t-(\d+)-(\d+)$/;
// IFNAMSIZ is 16 with the NUL: "gaia" + a 7-digit pid (pid_max ≤ 2^22) + "h252" is 15.
const LINK_NAME = /^gaia(\d+)(br|h\d+)$/;
const MAX_HOSTS = 253; // .2 to .254 of the /24

type Bridge = { name: string; x: number };
export type LinkState = "up" | "down" | "destroyed";

let bridge: Promise<Bridge> | null = null; // a promise, so that two createHosts at once make one
const live = new Map<number, NetHost>(); // slot → host

/** Why this machine cannot make namespaces here (for `test.skipIf`), or null when it can. */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "network namespaces (ip netns) need root: run these tests as root, as CI does";
  if (!Bun.which("ip")) return "no `ip` command: install iproute2 (apt-get install -y iproute2)";
  const probe = Bun.spawnSync(["ip", "netns", "list"], { stdout: "pipe", stderr: "pipe" });
  if (probe.exitCode !== 0) return `'ip netns list' exited ${probe.exitCode}: ${probe.stderr.toString().trim()}`;
  return null;
}

export class NetHost {
  #state: LinkState = "up";
  constructor(
    /** The namespace's name, for `ip netns exec NAME`. */
    readonly name: string,
    /** The namespace's own address (eth0), reachable from the root namespace and other hosts. */
    readonly address: string,
    /** The root namespace's address on the bridge, as this host reaches it (same for every host). */
    readonly hostAddress: string,
    /** The /24 every host of this process is on, e.g. for pg_hba. */
    readonly subnet: string,
    /** The root-side end of its veth pair, a port of the bridge. */
    readonly veth: string,
    private readonly slot: number,
  ) {}

  get state(): LinkState {
    return this.#state;
  }

  /**
   * Spawns `cmd` inside the namespace. `ip netns exec` enters the namespace and execs the
   * command, so `proc.pid` is the command's own pid: kill it like any child.
   *
   * @example host.exec(["python3", "-c", "import socket; socket.create_connection(('10.231.7.1', 5432), 2)"])
   */
  exec<const In extends SpawnOptions.Writable = "ignore", const Out extends SpawnOptions.Readable = "pipe", const Err extends SpawnOptions.Readable = "inherit">(
    cmd: string[],
    opts?: SpawnOptions.SpawnOptions<In, Out, Err>,
  ): Subprocess<In, Out, Err> {
    if (this.#state === "destroyed") throw new Error(`host ${this.name} was destroyed: exec on a live host`);
    return Bun.spawn(["ip", "netns", "exec", this.name, ...cmd], opts);
  }

  /** Cuts this host off (its root-side veth down); idempotent. */
  async linkDown(): Promise<void> {
    this.#live("linkDown");
    await ip(["link", "set", this.veth, "down"]);
    this.#state = "down";
  }

  /** Plugs it back in and returns once both ends have carrier and the bridge forwards on the port. */
  async linkUp(): Promise<void> {
    this.#live("linkUp");
    await ip(["link", "set", this.veth, "up"]);
    // Carrier loss keeps the namespace's routes (they are only marked linkdown); `replace`
    // puts the default route back should anything inside have removed it.
    await until(`${this.name}'s link up`, async () => (await carrier(this.veth)) && (await carrier("eth0", this.name)) && portForwarding(this.veth));
    await ip(["-n", this.name, "route", "replace", "default", "via", this.hostAddress]);
    this.#state = "up";
  }

  /** Kills what runs in the namespace, then removes its veth pair and the namespace; safe twice. */
  async destroy(): Promise<void> {
    if (this.#state === "destroyed") return;
    this.#state = "destroyed";
    live.delete(this.slot);
    await removeHost(this.name, this.veth);
  }

  #live(what: string): void {
    if (this.#state === "destroyed") throw new Error(`${what}() on host ${this.name}, which was destroyed`);
  }
}

/** `n` new hosts on this process's bridge (made on the first call, with its subnet). */
export async function createHosts(n: number): Promise<NetHost[]> {
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`createHosts(n): n must be a positive integer, got ${String(n)} (${typeof n})`);
  const why = netnsUnavailable();
  if (why) throw new Error(why);
  if (live.size + n > MAX_HOSTS) throw new Error(`createHosts(${n}): ${live.size} hosts live and a /24 holds ${MAX_HOSTS}`);
  await reapStale();
  const br = await (bridge ??= makeBridge().catch((err) => {
    bridge = null;
    throw err;
  }));
  const made: NetHost[] = [];
  try {
    for (let i = 0; i < n; i++) made.push(await makeHost(br, freeSlot()));
  } catch (err) {
    for (const h of made) await h.destroy();
    throw err;
  }
  return made;
}

/** Every host this process made, and its bridge. */
export async function destroyAll(): Promise<void> {
  for (const host of [...live.values()]) await host.destroy();
  if (!bridge) return;
  const br = await bridge.catch(() => null);
  bridge = null;
  if (br) await ip(["link", "del", br.name]).catch(() => {});
  process.off("exit", onExit);
}

function freeSlot(): number {
  let slot = 0;
  while (live.has(slot)) slot++;
  return slot;
}

async function makeHost(br: Bridge, slot: number): Promise<NetHost> {
  const name = `gaia-t-${process.pid}-${slot}`;
  const veth = `gaia${process.pid}h${slot}`;
  const address = `10.231.${br.x}.${slot + 2}`;
  const host = new NetHost(name, address, `10.231.${br.x}.1`, `10.231.${br.x}.0/24`, veth, slot);
  live.set(slot, host); // before the first command, so a failure part-way is cleaned up too
  try {
    await ip(["netns", "add", name]);
    // The peer is made inside the namespace, named eth0 there: nothing of it is ever in the root.
    await ip(["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", name]);
    await ip(["link", "set", veth, "master", br.name, "up"]);
    await ip(["-n", name, "link", "set", "lo", "up"]);
    await ip(["-n", name, "addr", "add", `${address}/24`, "dev", "eth0"]);
    await ip(["-n", name, "link", "set", "eth0", "up"]);
    await ip(["-n", name, "route", "add", "default", "via", host.hostAddress]);
    await until(`${name}'s link up`, async () => (await carrier(veth)) && portForwarding(veth));
  } catch (err) {
    await host.destroy();
    throw err;
  }
  return host;
}

async function makeBridge(): Promise<Bridge> {
  const name = `gaia${process.pid}br`;
  // A bridge takes the lowest MAC of its ports unless given one: a fixed one keeps the
  // hosts' ARP entries for hostAddress right as hosts come and go.
  const mac = ["02", ...Array.from(crypto.getRandomValues(new Uint8Array(5)), (b) => b.toString(16).padStart(2, "0"))].join(":");
  await ip(["link", "add", name, "address", mac, "type", "bridge"]);
  process.on("exit", onExit);
  try {
    await ip(["link", "set", name, "up"]);
    return { name, x: await claimSubnet(name) };
  } catch (err) {
    process.off("exit", onExit);
    await ip(["link", "del", name]).catch(() => {});
    throw err;
  }
}

/** Adds 10.231.X.1/24 to `dev` for an X nobody else uses; see the file's comment. */
async function claimSubnet(dev: string): Promise<number> {
  let x = (process.pid % 254) + 1;
  for (let tries = 0; tries < 254; tries++, x = 1 + Math.floor(Math.random() * 254)) {
    if ((await usedOctets(dev)).has(x)) continue;
    await ip(["addr", "add", `10.231.${x}.1/24`, "dev", dev]);
    if (!(await usedOctets(dev)).has(x)) return x;
    await ip(["addr", "del", `10.231.${x}.1/24`, "dev", dev]);
  }
  throw new Error("no free 10.231.X.0/24 here: every X from 1 to 254 is taken by an interface or a route");
}

/** Third octets of 10.231.X.* that interfaces other than `mine`, or routes not through it, use. */
async function usedOctets(mine: string): Promise<Set<number>> {
  const used = new Set<number>();
  const note = (ip: string | undefined) => {
    const m = /^10\.231\.(\d+)\./.exec(ip ?? "");
    if (m) used.add(Number(m[1]));
  };
  type Addr = { ifname: string; addr_info: { local: string }[] };
  for (const link of JSON.parse(await ip(["-j", "-4", "addr"])) as Addr[]) if (link.ifname !== mine) for (const a of link.addr_info) note(a.local);
  for (const route of JSON.parse(await ip(["-j", "-4", "route", "show", "table", "all"])) as { dst: string; dev?: string }[]) if (route.dev !== mine) note(route.dst);
  return used;
}

/** Namespaces and links of this helper whose owning test process is gone. */
async function reapStale(): Promise<void> {
  const dead = (pid: string) => Number(pid) !== process.pid && !isAlive(Number(pid));
  for (const line of (await ip(["netns", "list"])).split("\n")) {
    const name = line.split(" ")[0]!;
    const m = NS_NAME.exec(name);
    if (m && dead(m[1]!)) await removeHost(name, null);
  }
  const links = (JSON.parse(await ip(["-j", "link", "show"])) as { ifname: string }[]).map((l) => l.ifname);
  // Veths before bridges; a veth may already be gone with its namespace.
  for (const ifname of links.sort((a, b) => Number(a.endsWith("br")) - Number(b.endsWith("br")))) {
    const m = LINK_NAME.exec(ifname);
    if (m && dead(m[1]!)) await ip(["link", "del", ifname]).catch(() => {});
  }
}

/** SIGKILL to what runs in namespace `name`, then its veth (if given) and the namespace. */
async function removeHost(name: string, veth: string | null): Promise<void> {
  for (const pid of (await ip(["netns", "pids", name]).catch(() => "")).split("\n").map(Number)) {
    if (pid > 0 && pid !== process.pid) killIfAlive(pid);
  }
  // Deleting one end of a veth deletes the pair at once; a namespace's own teardown is lazier.
  if (veth) await ip(["link", "del", veth]).catch(() => {});
  await ip(["netns", "del", name]).catch(() => {});
}

/** The exit handler: the same removal, synchronously, for a test file that never called destroyAll. */
function onExit(): void {
  const run = (args: string[]) => Bun.spawnSync(["ip", ...args], { stdout: "pipe", stderr: "ignore" }).stdout.toString();
  for (const host of live.values()) {
    for (const pid of run(["netns", "pids", host.name]).split("\n").map(Number)) if (pid > 0 && pid !== process.pid) killIfAlive(pid);
    run(["link", "del", host.veth]);
    run(["netns", "del", host.name]);
  }
  run(["link", "del", `gaia${process.pid}br`]);
}

async function ip(args: string[]): Promise<string> {
  const proc = Bun.spawn(["ip", ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`ip ${args.join(" ")} exited ${code}: ${(err || out).trim()}`);
  return out;
}

/** Whether `dev` (in namespace `ns`, else the root) is up with carrier. */
async function carrier(dev: string, ns?: string): Promise<boolean> {
  const [link] = JSON.parse(await ip([...(ns ? ["-n", ns] : []), "-j", "link", "show", dev])) as { flags: string[] }[];
  return link?.flags.includes("LOWER_UP") ?? false;
}

/** Bridge port state 3 is forwarding (linux/if_bridge.h BR_STATE_FORWARDING); STP is off, so it comes at once. */
function portForwarding(veth: string): boolean {
  try {
    return readFileSync(`/sys/class/net/${veth}/brport/state`, "utf8").trim() === "3";
  } catch {
    return false;
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

function killIfAlive(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {}
}

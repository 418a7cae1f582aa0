/**
 * The test helper that makes hosts in network namespaces (test/helpers/netns.ts): hosts reach
 * a server in the root namespace and each other, linkDown cuts one off and linkUp plugs it
 * back in, a process started inside is killed by its pid, a PostgreSQL of
 * test/helpers/postgres.ts takes a password login from inside, destroyAll leaves nothing, and
 * the hosts of a run that was killed are removed by the next start while a live run's stay.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { createHosts, destroyAll, netnsUnavailable, type NetHost } from "./helpers/netns.ts";
import { startPostgres, type PgServer } from "./helpers/postgres.ts";

const HELPER = `${import.meta.dir}/helpers/netns.ts`;
const unavailable = netnsUnavailable();
if (unavailable) console.warn(`skipping the netns tests: ${unavailable}`);

const listeners: TCPSocketListener<unknown>[] = [];
const servers: PgServer[] = [];
afterEach(async () => {
  for (const l of listeners.splice(0)) l.stop(true);
  for (const s of servers.splice(0)) await s.stop();
  await destroyAll();
});

/** A server on `hostname` that greets each client with the address it came from, then closes. */
function greeter(hostname: string): TCPSocketListener<unknown> {
  const server = Bun.listen({ hostname, port: 0, socket: { open: (s: Socket<unknown>) => void s.end(`from ${s.remoteAddress}\n`), data() {} } });
  listeners.push(server);
  return server;
}

type Ran = { code: number; out: string; err: string };

async function ran(proc: { exited: Promise<number>; stdout: ReadableStream<Uint8Array>; stderr: ReadableStream<Uint8Array> }): Promise<Ran> {
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out: out.trim(), err: err.trim() };
}

/** A TCP client (python3) that prints what the server sends; run inside `host`, or in the root namespace when null. */
function connect(host: NetHost | null, address: string, port: number, timeoutS = 1.5): Promise<Ran> {
  const script = `import socket; s = socket.create_connection((${JSON.stringify(address)}, ${port}), ${timeoutS}); print(s.recv(100).decode().strip())`;
  const cmd = ["python3", "-c", script];
  return ran(host ? host.exec(cmd, { stdout: "pipe", stderr: "pipe" }) : Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" }));
}

const ourLinks = () => Bun.spawnSync(["ip", "-o", "link"]).stdout.toString().split("\n").filter((l) => l.includes(`gaia${process.pid}`));
const ourNamespaces = () => Bun.spawnSync(["ip", "netns", "list"]).stdout.toString().split("\n").filter((l) => l.startsWith(`gaia-t-${process.pid}-`));

describe.skipIf(unavailable !== null)("netns hosts", () => {
  test("two hosts reach a server in the root namespace at hostAddress, each from its own address", async () => {
    const [a, b] = await createHosts(2);
    expect(a!.name).toBe(`gaia-t-${process.pid}-0`);
    expect(a!.address).not.toBe(b!.address);
    expect(a!.hostAddress).toBe(b!.hostAddress);
    expect(a!.subnet).toMatch(/^10\.231\.\d+\.0\/24$/);
    const server = greeter(a!.hostAddress);
    for (const host of [a!, b!]) {
      const got = await connect(host, host.hostAddress, server.port);
      expect(got).toMatchObject({ code: 0, out: `from ${host.address}` });
    }
    // The namespace's loopback is its own: the root's 127.0.0.1 is not there.
    const loopback = greeter("127.0.0.1");
    expect((await connect(a!, "127.0.0.1", loopback.port)).err).toContain("ConnectionRefusedError");
  });

  test("hosts reach each other through the bridge", async () => {
    const [a, b] = await createHosts(2);
    const listener = a!.exec(["python3", "-u", "-c", "import socket; s = socket.socket(); s.bind(('0.0.0.0', 7001)); s.listen(); print('ready', flush=True); c, peer = s.accept(); c.sendall(('to ' + peer[0]).encode())"], { stdout: "pipe" });
    const reader = listener.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("ready");
    expect(await connect(b!, a!.address, 7001)).toMatchObject({ code: 0, out: `to ${b!.address}` });
    expect(await listener.exited).toBe(0);
  });

  test("linkDown cuts one host off both ways, the others stay; linkUp plugs it back in", async () => {
    const [a, b] = await createHosts(2);
    const server = greeter(a!.hostAddress);
    const inside = a!.exec(["python3", "-c", "import socket; s = socket.socket(); s.bind(('0.0.0.0', 7002)); s.listen()\nwhile True: c, _ = s.accept(); c.sendall(b'inside'); c.close()"]);
    await Bun.sleep(300);
    expect((await connect(null, a!.address, 7002)).out).toBe("inside");

    await a!.linkDown();
    expect(a!.state).toBe("down");
    const cut = await connect(a!, a!.hostAddress, server.port);
    expect(cut.code).not.toBe(0);
    expect(cut.err).toMatch(/TimeoutError|No route to host|Network is unreachable/);
    expect((await connect(null, a!.address, 7002)).err).toMatch(/TimeoutError|No route to host/);
    expect(await connect(b!, b!.hostAddress, server.port)).toMatchObject({ code: 0, out: `from ${b!.address}` });

    await a!.linkUp();
    expect(a!.state).toBe("up");
    expect(await connect(a!, a!.hostAddress, server.port)).toMatchObject({ code: 0, out: `from ${a!.address}` });
    expect((await connect(null, a!.address, 7002)).out).toBe("inside");
    inside.kill("SIGKILL");
  });

  test("a process started in a host is its own pid, in the host's namespace, and dies by it", async () => {
    const [a] = await createHosts(1);
    const proc = a!.exec(["sleep", "600"]);
    await Bun.sleep(100);
    expect(await Bun.file(`/proc/${proc.pid}/comm`).text()).toBe("sleep\n");
    const netns = (pid: number | string) => Bun.spawnSync(["readlink", `/proc/${pid}/ns/net`]).stdout.toString().trim();
    expect(netns(proc.pid)).not.toBe(netns("self"));
    process.kill(proc.pid, "SIGKILL");
    expect(await proc.exited).toBe(137);
  });

  test("a PostgreSQL listening on hostAddress takes a password login from inside a host", async () => {
    const [a] = await createHosts(1);
    const pg = await startPostgres({ listen: [a!.hostAddress], allow: [a!.subnet] });
    servers.push(pg);
    expect(pg.urlFor(a!.hostAddress)).toBe(pg.url.replace("@127.0.0.1:", `@${a!.hostAddress}:`));
    const psql = (url: string) => ran(a!.exec(["psql", url, "-X", "-A", "-t", "-c", "SELECT inet_client_addr()"], { stdout: "pipe", stderr: "pipe", env: { ...process.env, PGCONNECT_TIMEOUT: "3" } }));
    expect(await psql(pg.urlFor(a!.hostAddress))).toMatchObject({ code: 0, out: a!.address });
    // The same over Bun.sql, as gaia's journal connects.
    const script = `const sql = new Bun.SQL(process.argv[1], { max: 1 }); const [row] = await sql\`SELECT current_user AS who\`; console.log(row.who); await sql.close();`;
    expect(await ran(a!.exec([process.execPath, "-e", script, pg.urlFor(a!.hostAddress)], { stdout: "pipe", stderr: "pipe" }))).toMatchObject({ code: 0, out: "gaia_test" });
    const wrong = pg.urlFor(a!.hostAddress).replace(/:[0-9a-f]{32}@/, ":wrong@");
    expect((await psql(wrong)).err).toContain("password authentication failed");
    expect((await psql(pg.url)).code).not.toBe(0); // 127.0.0.1 inside is the host's own
  });

  test("startPostgres refuses a listen address or CIDR that is not one, saying which", async () => {
    await expect(startPostgres({ listen: ["localhost; rm -rf /"] })).rejects.toThrow(/"localhost; rm -rf \/" \(string\) is not an IP address/);
    await expect(startPostgres({ allow: ["10.231.0.0"] })).rejects.toThrow(/not a CIDR/);
  });

  test("destroy removes one host; destroyAll removes every namespace, veth and the bridge", async () => {
    const hosts = await createHosts(2);
    expect(ourNamespaces().length).toBeGreaterThanOrEqual(2);
    await hosts[0]!.destroy();
    expect(ourNamespaces()).not.toContain(hosts[0]!.name);
    expect(ourLinks().join("\n")).not.toContain(`${hosts[0]!.veth}@`);
    expect(ourNamespaces().some((l) => l.startsWith(hosts[1]!.name))).toBe(true);
    expect(() => hosts[0]!.exec(["true"])).toThrow(/destroyed/);
    await destroyAll();
    expect(ourNamespaces()).toEqual([]);
    expect(ourLinks()).toEqual([]);
  });

  test("a killed run's hosts are removed by the next createHosts; a live run's are left alone", async () => {
    const child = () => {
      const script = `import { createHosts } from ${JSON.stringify(HELPER)}; const [h] = await createHosts(1); console.log(h.name, h.subnet); await Bun.sleep(600_000);`;
      const proc = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit" });
      return { proc, line: proc.stdout.getReader().read().then((r) => new TextDecoder().decode(r.value).trim().split(" ")) };
    };
    const dead = child();
    const alive = child();
    try {
      const [deadNs] = await dead.line;
      const [aliveNs, aliveSubnet] = await alive.line;
      dead.proc.kill("SIGKILL"); // as a crash: no exit handler runs
      await dead.proc.exited;
      const nsList = () => Bun.spawnSync(["ip", "netns", "list"]).stdout.toString();
      expect(nsList()).toContain(deadNs!);

      const [mine] = await createHosts(1);
      expect(nsList()).not.toContain(deadNs!);
      expect(Bun.spawnSync(["ip", "-o", "link"]).stdout.toString()).not.toContain(`gaia${dead.proc.pid}`);
      expect(nsList()).toContain(aliveNs!);
      expect(mine!.subnet).not.toBe(aliveSubnet);
    } finally {
      alive.proc.kill("SIGKILL");
      await alive.proc.exited;
    }
    await createHosts(1); // and now that run is gone too
    expect(Bun.spawnSync(["ip", "-o", "link"]).stdout.toString()).not.toContain(`gaia${alive.proc.pid}`);
  });
});

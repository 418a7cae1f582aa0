/** `[cluster]` (SPEC §3, §13): its keys, GAIA_CLUSTER_URL, and a password that never shows. */
import { describe, expect, test } from "bun:test";
import { clusterOf, clusterUrlProblem, redactUrl } from "./cluster.ts";
import { loadConfig, validateConfig } from "./load.ts";

const problems = (raw: unknown) => {
  const r = validateConfig(raw);
  return r.ok ? [] : r.problems;
};
const loaded = (env: Record<string, string>) => loadConfig(null, env as NodeJS.ProcessEnv, "/tmp");
const valid = (raw: unknown) => {
  const r = validateConfig(raw);
  if (!r.ok) throw new Error(r.problems.join("\n"));
  return r.config;
};

describe("[cluster]", () => {
  test("absent or empty: one host on SQLite; the defaults are the spec's", () => {
    expect(valid({}).cluster).toBeUndefined();
    expect(clusterOf(valid({}))).toEqual({ url: "", node: "", lease_s: 10 });
    expect(valid({ cluster: {} }).cluster).toEqual({ url: "", node: "", lease_s: 10 });
    const l = loaded({});
    expect(l.ok && l.value.config.cluster).toBeUndefined();
  });

  test("a PostgreSQL URL is taken as written; the node defaults to the host name", () => {
    expect(problems({ cluster: { url: "postgres://gaia:pw@db.example:5432/gaia", lease_s: 2.5 } })).toEqual([]);
    expect(problems({ cluster: { url: "postgresql://gaia@localhost/gaia?path=/run/postgresql", node: "gpu-01.rack2" } })).toEqual([]);
    const l = loaded({ GAIA_CLUSTER_URL: "postgres://gaia:pw@db:5432/gaia" });
    expect(l.ok && l.value.config.cluster?.node).toBe(require("node:os").hostname());
  });

  test("a bad URL, node or lease is a problem line that never shows the password", () => {
    const bad = problems({ cluster: { url: "mysql://root:hunter2@db/x", node: "no spaces", lease_s: 0, extra: 1 } });
    expect(bad).toEqual([
      'config: cluster.url: expected a postgres:// or postgresql:// URL such as postgres://user:password@host:5432/db (the cluster\'s journal is PostgreSQL), got "mysql://root:***@db/x"',
      "config: cluster.node: use letters, digits, '_', '.' and '-' (a host name)",
      "config: cluster.lease_s: expected a number >= 1, got 0",
      "config: cluster.extra: unknown key",
    ]);
    expect(bad.join("\n")).not.toContain("hunter2");
    expect(problems({ cluster: { url: "not a url :hunter2@" } }).join("\n")).not.toContain("hunter2");
  });

  test("GAIA_CLUSTER_URL wins over the file's url and is checked alike, redacted", () => {
    const l = loaded({ GAIA_CLUSTER_URL: "postgres://gaia:s3cret@db/gaia" });
    expect(l.ok && l.value.config.cluster?.url).toBe("postgres://gaia:s3cret@db/gaia");
    const bad = loaded({ GAIA_CLUSTER_URL: "http://gaia:s3cret@db/gaia" });
    expect(bad).toEqual({ ok: false, problems: [expect.stringMatching(/^config: GAIA_CLUSTER_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/)] });
    expect(JSON.stringify(bad)).not.toContain("s3cret");
    expect(JSON.stringify(bad)).toContain("http://gaia:***@db/gaia");
  });
});

test("redactUrl hides the password only, and copes with what is not a URL", () => {
  expect(redactUrl("postgres://gaia:p%40ss@db:5432/gaia?sslmode=require")).toBe("postgres://gaia:***@db:5432/gaia?sslmode=require");
  expect(redactUrl("postgres://gaia@db/gaia")).toBe("postgres://gaia@db/gaia");
  expect(redactUrl("x://u:secret@")).not.toContain("secret");
  expect(redactUrl("not a url :secret@host")).toBe("not a url :***@host");
  expect(clusterUrlProblem("")).toBeNull();
  expect(clusterUrlProblem("postgres:///gaia")).toContain("expected a host");
});

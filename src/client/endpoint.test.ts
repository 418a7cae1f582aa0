import { describe, expect, test } from "bun:test";
import { describeEndpoint, resolveEndpoint } from "./endpoint.ts";

const cwd = "/srv/app";

describe("where the client finds gaia", () => {
  test("socket, then url, then GAIA_SOCKET, then GAIA_URL, then ./.gaia/run/gaia.sock", () => {
    const env = { GAIA_SOCKET: "env.sock", GAIA_URL: "http://env:1", GAIA_TOKEN: "envtoken" };
    expect(resolveEndpoint({ socket: "s.sock", env, cwd })).toEqual({ kind: "unix", socket: "/srv/app/s.sock" });
    const url = resolveEndpoint({ url: "https://h:8470", env, cwd });
    expect(url.kind === "tcp" && [url.url.href, url.token]).toEqual(["https://h:8470/", "envtoken"]);
    expect(resolveEndpoint({ env, cwd })).toEqual({ kind: "unix", socket: "/srv/app/env.sock" });
    const fromEnv = resolveEndpoint({ env: { GAIA_URL: "http://127.0.0.1:8470", GAIA_TOKEN: "t" }, cwd });
    expect(fromEnv.kind === "tcp" && [describeEndpoint(fromEnv), fromEnv.token]).toEqual(["http://127.0.0.1:8470", "t"]);
    expect(resolveEndpoint({ env: {}, cwd })).toEqual({ kind: "unix", socket: "/srv/app/.gaia/run/gaia.sock" });
  });

  test("an explicit token wins over GAIA_TOKEN; no token at all is null", () => {
    const a = resolveEndpoint({ url: "http://h:1", token: "mine", env: { GAIA_TOKEN: "env" }, cwd });
    expect(a.kind === "tcp" && a.token).toBe("mine");
    const b = resolveEndpoint({ url: "http://h:1", env: {}, cwd });
    expect(b.kind === "tcp" && b.token).toBeNull();
  });

  test("mistakes are TypeErrors that say what was expected", () => {
    expect(() => resolveEndpoint({ socket: "a", url: "http://h:1", env: {} })).toThrow("give `socket` or `url`, not both");
    expect(() => resolveEndpoint({ url: "h:8470", env: {} })).toThrow("must be http:// or https://");
    expect(() => resolveEndpoint({ url: "not a url", env: {} })).toThrow('must look like http://HOST:PORT or https://HOST:PORT, got "not a url"');
    expect(() => resolveEndpoint({ url: "http://h:1/?x=1", env: {} })).toThrow("takes no query");
  });
});

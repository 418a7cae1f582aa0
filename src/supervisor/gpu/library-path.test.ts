import { describe, expect, test } from "bun:test";
import { candidatePaths, findLibrary, ldconfigPaths, type LookupDeps } from "./library-path.ts";

const LDCONFIG = `3 libs found in cache \`/etc/ld.so.cache'
\tlibnvidia-ml.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1
\tlibnvidia-ml.so.1 (libc6) => /usr/lib/i386-linux-gnu/libnvidia-ml.so.1
\tlibnvidia-ml.so (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libnvidia-ml.so
\tlibcuda.so.1 (libc6,AArch64) => /usr/lib/aarch64-linux-gnu/libcuda.so.1`;

const deps = (present: string[], ldconfig = "", arch = "x64"): LookupDeps => ({ exists: (p) => present.includes(p), ldconfig: () => ldconfig, arch });
const OVERRIDE = { name: "GAIA_NVML_LIBRARY", value: undefined };

describe("ldconfig -p", () => {
  test("only the exact file name on this architecture", () => {
    expect(ldconfigPaths(LDCONFIG, "libnvidia-ml.so.1", "x64")).toEqual(["/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1"]);
    expect(ldconfigPaths(LDCONFIG, "libcuda.so.1", "arm64")).toEqual(["/usr/lib/aarch64-linux-gnu/libcuda.so.1"]);
    expect(ldconfigPaths(LDCONFIG, "libcuda.so.1", "x64")).toEqual([]);
    expect(ldconfigPaths("", "libcuda.so.1", "x64")).toEqual([]);
  });
});

describe("where a driver library is looked for", () => {
  test("ldconfig's entries first, then the distribution's folders, the container toolkit's and WSL's, each once", () => {
    const paths = candidatePaths("libnvidia-ml.so.1", deps([], LDCONFIG));
    expect(paths[0]).toBe("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1");
    expect(paths).toContain("/usr/local/nvidia/lib64/libnvidia-ml.so.1");
    expect(paths).toContain("/usr/lib/wsl/lib/libnvidia-ml.so.1");
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths.every((p) => p.startsWith("/"))).toBe(true);
    expect(candidatePaths("libcuda.so.1", deps([], "", "arm64"))[0]).toBe("/usr/lib/aarch64-linux-gnu/libcuda.so.1");
  });

  test("decision table", () => {
    const found = (path: string) => ({ ok: true as const, path });
    // the first candidate that exists
    expect(findLibrary("libnvidia-ml.so.1", OVERRIDE, deps(["/usr/local/nvidia/lib64/libnvidia-ml.so.1", "/usr/lib/wsl/lib/libnvidia-ml.so.1"]))).toEqual(found("/usr/local/nvidia/lib64/libnvidia-ml.so.1"));
    // the override, when it exists, wins over everything
    expect(findLibrary("libnvidia-ml.so.1", { ...OVERRIDE, value: "/t/libnvidia-ml.so.1" }, deps(["/t/libnvidia-ml.so.1", "/usr/lib64/libnvidia-ml.so.1"]))).toEqual(found("/t/libnvidia-ml.so.1"));
    // an override that is missing is not silently replaced by the system's library
    expect(findLibrary("libnvidia-ml.so.1", { ...OVERRIDE, value: "/t/x.so" }, deps(["/usr/lib64/libnvidia-ml.so.1"]))).toEqual({ ok: false, reason: "GAIA_NVML_LIBRARY=/t/x.so: no such file" });
    // a bare or relative override would be looked up in the working directory
    expect(findLibrary("libnvidia-ml.so.1", { ...OVERRIDE, value: "x.so" }, deps(["x.so"]))).toMatchObject({ ok: false, reason: expect.stringContaining("absolute path") });
    // nothing: the reason lists where it looked and what to do
    expect(findLibrary("libcuda.so.1", { name: "GAIA_CUDA_LIBRARY", value: undefined }, deps([]))).toEqual({
      ok: false,
      reason: "libcuda.so.1 not found (looked in ldconfig's cache and /usr/lib/x86_64-linux-gnu, /usr/lib64, /usr/lib, /usr/local/nvidia/lib64, /usr/local/nvidia/lib, /usr/lib/wsl/lib); install the NVIDIA driver or set GAIA_CUDA_LIBRARY to its path",
    });
  });
});

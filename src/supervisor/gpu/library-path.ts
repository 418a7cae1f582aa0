/**
 * Where a driver library (libnvidia-ml.so.1, libcuda.so.1) is, as a path for bun:ffi.
 *
 * A bare name is never opened: in a compiled Bun binary `dlopen("libnvidia-ml.so.1")` is looked
 * up in the working directory first (measured with Bun 1.4.5; src/lib/libc.ts has the same
 * concern for libc), so a file of that name beside a user's config would be loaded instead.
 * So: the override variable when set (tests point GAIA_NVML_LIBRARY at a stand-in), else the
 * first that exists of what `ldconfig -p` lists for this architecture, then the usual places:
 * the distribution's library folders, /usr/local/nvidia/lib64 where the NVIDIA container
 * toolkit mounts the driver, and /usr/lib/wsl/lib under WSL 2.
 */
import { existsSync } from "node:fs";

export type LibraryLookup = { ok: true; path: string } | { ok: false; reason: string };

export type LookupDeps = {
  exists: (path: string) => boolean;
  /** `ldconfig -p`'s output, or "" when it cannot be run. */
  ldconfig: () => string;
  arch: string;
};

const FOLDERS: Record<string, string[]> = {
  x64: ["/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib", "/usr/lib/wsl/lib"],
  arm64: ["/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib", "/usr/lib/wsl/lib"],
};

/** How `ldconfig -p` names each architecture's entries, e.g. "(libc6,x86-64)". */
const LDCONFIG_ARCH: Record<string, RegExp> = { x64: /x86-64/, arm64: /AArch64/i };

/** The paths `ldconfig -p` lists for `file` on `arch`, in its order (pure). */
export function ldconfigPaths(output: string, file: string, arch: string): string[] {
  const paths: string[] = [];
  for (const line of output.split("\n")) {
    const m = /^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\/\S+)\s*$/.exec(line);
    if (!m || m[1] !== file) continue;
    const archTest = LDCONFIG_ARCH[arch];
    if (archTest && !archTest.test(m[2]!)) continue;
    paths.push(m[3]!);
  }
  return paths;
}

/** Every path tried for `file`, in order (pure but for what `deps` read). */
export function candidatePaths(file: string, deps: LookupDeps): string[] {
  const folders = FOLDERS[deps.arch] ?? FOLDERS.x64!;
  const all = [...ldconfigPaths(deps.ldconfig(), file, deps.arch), ...folders.map((f) => `${f}/${file}`)];
  return [...new Set(all)];
}

/** The library to open: `override` (an environment variable's value) when set, else the first candidate that exists. */
export function findLibrary(file: string, override: { name: string; value: string | undefined }, deps: LookupDeps = systemDeps()): LibraryLookup {
  if (override.value) {
    if (!override.value.startsWith("/")) return { ok: false, reason: `${override.name}=${override.value}: give an absolute path (a bare name is looked up in the working directory first)` };
    return deps.exists(override.value) ? { ok: true, path: override.value } : { ok: false, reason: `${override.name}=${override.value}: no such file` };
  }
  const tried = candidatePaths(file, deps);
  const found = tried.find((p) => deps.exists(p));
  if (found) return { ok: true, path: found };
  const folders = FOLDERS[deps.arch] ?? FOLDERS.x64!;
  return { ok: false, reason: `${file} not found (looked in ldconfig's cache and ${folders.join(", ")}); install the NVIDIA driver or set ${override.name} to its path` };
}

const LDCONFIG = ["/sbin/ldconfig", "/usr/sbin/ldconfig", "/usr/bin/ldconfig"];

export function systemDeps(): LookupDeps {
  return { exists: existsSync, ldconfig: readLdconfig, arch: process.arch };
}

function readLdconfig(): string {
  const binary = LDCONFIG.find((p) => existsSync(p));
  if (!binary) return "";
  try {
    const run = Bun.spawnSync([binary, "-p"], { stdout: "pipe", stderr: "ignore", timeout: 2000 });
    return run.exitCode === 0 ? run.stdout.toString() : "";
  } catch {
    return "";
  }
}

/**
 * Finding, parsing and validating the config file; resolving its relative paths.
 *
 * Problems come back as values, one line each (`config: pools[1].size: expected an integer
 * >= 1, got "two"`), so the CLI can print them all at once and exit 2.
 */
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import type { z } from "zod";
import { clusterOf, clusterUrlProblem, redactUrl } from "./cluster.ts";
import { Config } from "./schema.ts";

export type LoadedConfig = {
  config: Config;
  /** The file it came from, or null for the built-in defaults. */
  file: string | null;
  runDir: string;
  dataDir: string;
  controlSocket: string;
  /** The TCP listener's bearer token file (control.token_file, under run_dir). */
  tokenFile: string;
};

export type LoadResult = { ok: true; value: LoadedConfig } | { ok: false; problems: string[] };

/** `--config F`, else $GAIA_CONFIG, else ./gaia.toml when present, else none. */
export function findConfigFile(explicit: string | undefined, env = process.env, cwd = process.cwd()): string | null {
  if (explicit) return resolve(cwd, explicit);
  if (env.GAIA_CONFIG) return resolve(cwd, env.GAIA_CONFIG);
  const local = resolve(cwd, "gaia.toml");
  return existsSync(local) ? local : null;
}

export function parseConfigText(text: string, file: string): { ok: true; raw: unknown } | { ok: false; problems: string[] } {
  const parse = file.endsWith(".json") ? (t: string) => JSON.parse(t) : (t: string) => Bun.TOML.parse(t);
  try {
    return { ok: true, raw: parse(text) };
  } catch (err) {
    const message = (err as Error).message;
    const line = errorLine(text, parse, message);
    return { ok: false, problems: [`config: ${file}: ${line === null ? "" : `line ${line}: `}cannot parse: ${message.replace(/^(TOML|JSON) Parse error: /, "")}`] };
  }
}

/**
 * The line a parse error is on. Neither Bun.TOML.parse nor JSC's JSON.parse says (their
 * errors' `line` is where in gaia's code they were thrown), so it is found here: the first
 * prefix of whole lines that fails with the same message ends on the faulty line. A prefix
 * that merely stops early fails otherwise ("Unexpected EOF", an unclosed array). Linear in
 * the file's lines; a config file is short, and past MAX_SCAN lines the line is not given.
 */
const MAX_SCAN = 5000;
export function errorLine(text: string, parse: (text: string) => unknown, message: string): number | null {
  const lines = text.split("\n");
  if (lines.length > MAX_SCAN) return null;
  for (let n = 1; n <= lines.length; n++) {
    try {
      // With its newline: some errors are about what ends a line ("found (0x0A)").
      parse(`${lines.slice(0, n).join("\n")}\n`);
    } catch (err) {
      if ((err as Error).message === message) return n;
    }
  }
  return null;
}

export function validateConfig(raw: unknown): { ok: true; config: Config } | { ok: false; problems: string[] } {
  const parsed = Config.safeParse(raw ?? {}, { reportInput: true });
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, problems: parsed.error.issues.flatMap(formatIssue) };
}

export function loadConfig(file: string | null, env = process.env, cwd = process.cwd()): LoadResult {
  let raw: unknown = {};
  if (file !== null) {
    if (!existsSync(file)) return { ok: false, problems: [`config: ${file}: no such file`] };
    const text = parseConfigText(readFileSync(file, "utf8"), file);
    if (!text.ok) return text;
    raw = text.raw;
  }
  const checked = validateConfig(raw);
  if (!checked.ok) return checked;
  const base = file === null ? cwd : dirname(file);
  // Paths in the file are relative to the file; paths in the environment, to where you are.
  const runDir = env.GAIA_RUN_DIR ? resolve(cwd, env.GAIA_RUN_DIR) : resolve(base, checked.config.run_dir);
  const dataDir = env.GAIA_DATA_DIR ? resolve(cwd, env.GAIA_DATA_DIR) : resolve(base, checked.config.data_dir);
  const cluster = clusterFromEnv(checked.config, env);
  if (!cluster.ok) return cluster;
  const controlSocket = resolve(runDir, checked.config.control.socket);
  const tokenFile = resolve(runDir, checked.config.control.token_file);
  const { tls } = checked.config.control;
  if (tls.cert) tls.cert = resolve(base, tls.cert);
  if (tls.key) tls.key = resolve(base, tls.key);
  // Pool modules that look like files are resolved against the config's folder, so the
  // workers (whose working directory is the same) and the user agree on what they name.
  for (const pool of checked.config.pools) {
    pool.modules = pool.modules.map((m) => (looksLikePath(m) ? resolve(base, m) : m));
    // An interpreter given as a path (".venv/bin/python") is the config's too; a bare name is looked up on PATH.
    if (pool.python.includes("/")) pool.python = resolve(base, pool.python);
  }
  checked.config.arrays.dir = resolve(base, checked.config.arrays.dir);
  for (const pipeline of checked.config.pipelines) {
    for (const node of pipeline.nodes) {
      if (looksLikePath(node.module)) node.module = resolve(base, node.module);
      if (node.python.includes("/")) node.python = resolve(base, node.python);
    }
  }
  return { ok: true, value: { config: checked.config, file, runDir, dataDir, controlSocket, tokenFile } };
}

/** GAIA_CLUSTER_URL wins over cluster.url (checked alike); a cluster node is named by its host unless named. */
function clusterFromEnv(config: Config, env: NodeJS.ProcessEnv): { ok: true } | { ok: false; problems: string[] } {
  const url = env.GAIA_CLUSTER_URL;
  if (url) {
    const problem = clusterUrlProblem(url);
    if (problem) return { ok: false, problems: [`config: GAIA_CLUSTER_URL: ${problem}, got ${describeInput(redactUrl(url))}`] };
    config.cluster = { ...clusterOf(config), url };
  }
  if (config.cluster && config.cluster.url !== "" && config.cluster.node === "") config.cluster.node = hostname();
  return { ok: true };
}

function looksLikePath(module: string): boolean {
  return isAbsolute(module) || module.startsWith(".") || /\.(ts|js|mjs|py|tsx|jsx)$/.test(module);
}

function formatPath(path: PropertyKey[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out === "" ? String(part) : `.${String(part)}`;
  return out || "(root)";
}

function describeInput(input: unknown): string {
  if (input === undefined) return "nothing";
  const text = JSON.stringify(input);
  return text === undefined ? String(input) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function formatIssue(issue: z.core.$ZodIssue): string[] {
  const at = formatPath(issue.path);
  const input = (issue as { input?: unknown }).input;
  const got = `got ${describeInput(input)}`;
  if (issue.message.startsWith("expected ")) return [`config: ${at}: ${issue.message}, ${got}`];
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => `config: ${at === "(root)" ? key : `${at}.${key}`}: unknown key`);
    case "invalid_type":
      return [`config: ${at}: expected ${article(issue.expected)}, ${got}`];
    case "too_small": {
      const bound = issue.inclusive === false ? ">" : ">=";
      const origin = (issue as { origin?: string }).origin;
      const wanted = origin === "array" ? `at least ${issue.minimum} item(s)` : `a value ${bound} ${issue.minimum}`;
      return [`config: ${at}: expected ${wanted}, ${got}`];
    }
    case "invalid_value":
      return [`config: ${at}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, ${got}`];
    default:
      return [`config: ${at}: ${issue.message}`];
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

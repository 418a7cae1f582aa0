/**
 * The inputs of `gaia submit`: `--payload JSON|@FILE|@-` and `--array NAME=FILE.npy`.
 * Every mistake here is a usage error that says what was wrong and where, and all of them
 * are found before anything is sent, so a typo never leaves a half-made submission behind.
 */
import { createReadStream, statSync } from "node:fs";
import type { GaiaClient } from "../../client/index.ts";
import { usageError } from "../errors.ts";

/** The payload value, or undefined when no --payload was given. */
export async function readPayload(flag: string | undefined): Promise<unknown> {
  if (flag === undefined) return undefined;
  if (!flag.startsWith("@")) return parseJson(flag, "--payload");
  const file = flag.slice(1);
  if (file === "") throw usageError("--payload @: name a file after '@' (or '@-' for stdin)");
  let text: string;
  try {
    text = file === "-" ? await Bun.stdin.text() : await Bun.file(file).text();
  } catch (err) {
    const why = (err as { code?: string }).code ?? (err as Error).message;
    throw usageError(`--payload @${file}: cannot read ${file}: ${why}`);
  }
  return parseJson(text, `--payload @${file}`);
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
    // A bare word is usually a string the shell ate the quotes of: `--payload hello`.
    const hint = /^\s*[A-Za-z_]/.test(text) ? `; a JSON string needs its quotes, e.g. --payload '"hello"'` : "";
    throw usageError(`${where}: not valid JSON (${(err as Error).message}) in ${JSON.stringify(shown)}${hint}`);
  }
}

type ArraySpec = { name: string; file: string };

/** Checks every `NAME=FILE.npy` before uploading any. */
export async function checkArrays(specs: string[]): Promise<ArraySpec[]> {
  const seen = new Set<string>();
  const checked: ArraySpec[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    const name = eq === -1 ? "" : spec.slice(0, eq);
    const file = eq === -1 ? "" : spec.slice(eq + 1);
    if (name === "" || file === "") throw usageError(`--array ${spec}: expected NAME=FILE.npy`);
    if (seen.has(name)) throw usageError(`--array ${spec}: input '${name}' is given twice`);
    // Raw bytes would need a dtype and shape; a .npy file carries its own.
    if (!file.endsWith(".npy")) throw usageError(`--array ${spec}: expected a .npy file`);
    if (!(await Bun.file(file).exists())) throw usageError(`--array ${spec}: no such file ${file}`);
    seen.add(name);
    checked.push({ name, file });
  }
  return checked;
}

/**
 * Uploads each file (SPEC §6: `POST /v1/arrays` with Content-Type application/x-npy) and
 * returns the job's `arrays` map, input name → the name gaia gave the array. Should the
 * submission fail afterwards, the uploads held by no job are removed after `arrays.ttl_s`.
 */
export async function uploadArrays(client: GaiaClient, arrays: ArraySpec[]): Promise<Record<string, string> | undefined> {
  if (arrays.length === 0) return undefined;
  const names: Record<string, string> = {};
  for (const { name, file } of arrays) {
    // Streamed from the file: an upload of any size never sits in memory.
    const uploaded = await client.arrays.uploadNpy(createReadStream(file), statSync(file).size);
    names[name] = uploaded.name;
  }
  return names;
}


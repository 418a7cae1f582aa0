/**
 * The TCP listener's bearer token (SPEC §3, §7): `control.token_file` under run_dir, made at
 * the first start with a listener (32 random bytes in hex, mode 0600 from its first moment)
 * and kept across runs, so clients and the dashboard keep working after a restart. A file
 * that exists is used as it is (an operator may have put their own token there), but one
 * that others can read is refused: the token is the key to running code through gaia.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";

/** Makes the token file when absent; `problem` says why an existing one cannot be used. */
export function ensureToken(path: string): { problem?: string } {
  if (!existsSync(path)) {
    writeFileSync(path, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
    return {};
  }
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) return { problem: `config: control.token_file: ${path} can be read by others (mode ${mode.toString(8)}); run 'chmod 600 ${path}'` };
  if (readFileSync(path, "utf8").trim().length < 16) return { problem: `config: control.token_file: ${path} holds a token shorter than 16 characters; put a longer one there, or delete the file to have gaia make one` };
  return {};
}

/**
 * Writing to stdout and stderr. Writes are awaited because the caller exits with
 * `process.exit(code)` right after a command returns, and an unflushed pipe write would be
 * lost (a script doing `gaia jobs --json | jq` must get the whole document).
 */

export async function print(text: string): Promise<void> {
  await Bun.write(Bun.stdout, text.endsWith("\n") ? text : `${text}\n`);
}

/** `--json` output: the API's body as it came, pretty with two spaces. */
export async function printJson(value: unknown): Promise<void> {
  await print(JSON.stringify(value, null, 2));
}

export async function printError(text: string): Promise<void> {
  await Bun.write(Bun.stderr, text.endsWith("\n") ? text : `${text}\n`);
}

/** True when stderr is a terminal, where a live progress line makes sense. */
export function stderrIsTerminal(): boolean {
  return process.stderr.isTTY === true;
}

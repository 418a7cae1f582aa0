/**
 * `--save-arrays DIR` (`gaia job`, `gaia submit --wait`): each result array of a job as
 * `DIR/NAME.npy`, streamed from gaia to the file (a large array never sits in memory).
 */
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { GaiaClient, Job } from "../../client/index.ts";
import { CliError, EXIT, usageError } from "../errors.ts";
import { print } from "../output.ts";

/** Downloads each result array as `.npy` into `dir` (made if missing); says so unless `quiet`. */
export async function saveArrays(client: GaiaClient, job: Job, dir: string, quiet: boolean): Promise<void> {
  const arrays = Object.entries(job.result_arrays ?? {});
  if (arrays.length === 0) throw new CliError(EXIT.failed, `job ${job.id} has no result arrays to save (it is ${job.state})`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw usageError(`--save-arrays ${dir}: cannot make the folder: ${(err as { code?: string }).code ?? (err as Error).message}`);
  }
  for (const [key, name] of arrays) {
    // The key becomes a file name: nothing that could climb out of DIR or hide the file.
    if (!/^[A-Za-z0-9_.-]+$/.test(key) || key.startsWith(".")) throw new CliError(EXIT.failed, `result array '${key}' has a name that is not safe as a file name`);
    const download = await client.arrays.openDownload(name, { npy: true });
    const path = join(dir, `${key}.npy`);
    await pipeline(download.stream, createWriteStream(path));
    if (!quiet) await print(`saved ${key} → ${path}`);
  }
}

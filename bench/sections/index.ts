/**
 * The sections of `npm run bench`, in the order they run. `--only a,b` picks by `name`.
 *
 * To add one, write bench/sections/NAME.ts exporting a `Section` (types.ts): its
 * `run` starts what it needs, measures gaia and its peers interleaved with
 * bench/interleave.ts (a peer that cannot be had is a row saying so, not a guess), stops
 * everything it started, and returns its rows and its figures; then add it below.
 */
import { arrays } from "./arrays.ts";
import { client } from "./client.ts";
import { cluster } from "./cluster.ts";
import { core } from "./core.ts";
import { events } from "./events.ts";
import { gpu } from "./gpu.ts";
import { pipelines } from "./pipelines.ts";
import { ray } from "./ray.ts";
import { restarts } from "./restarts.ts";
import { schedules } from "./schedules.ts";
import type { Section } from "./types.ts";

export const SECTIONS: Section[] = [core, ray, restarts, arrays, client, pipelines, gpu, schedules, events, cluster];

/** Field schemas that several config sections share. */
import { z } from "zod";

/** An integer field whose every failure reads as the spec's example: "expected an integer >= 1". */
export function int(min: number) {
  const error = `expected an integer >= ${min}`;
  return z.number({ error }).int({ error }).min(min, { error });
}

/** A pool's or a schedule's name: what file names and metrics labels can hold. */
export const name = z.string().regex(/^[A-Za-z0-9_.-]+$/, "use letters, digits, '_', '.' and '-'");

/**
 * Arrays (SPEC §6): the local allocation's body, the raw upload's query, and the answers.
 * The dtype and shape are checked by src/arrays/dtypes.ts's checkArraySpec (its messages say
 * what is allowed); the schemas here carry the same rules into the document as metadata.
 */
import { z } from "zod";
import { DTYPE_NAMES, MAX_RANK } from "../../arrays/dtypes.ts";
import { NAME_RE } from "../../arrays/names.ts";
import { request, response, Time } from "./registry.ts";

const dtypeDoc = { enum: DTYPE_NAMES, description: "numpy's name; little-endian, C order" };
const SHAPE_PARAM = /^\s*(\d+\s*(,\s*\d+\s*)*)?$/;

export const AllocateBody = request(
  "Allocate",
  z.object({ dtype: z.string().meta(dtypeDoc), shape: z.array(z.number().meta({ type: "integer", minimum: 0 })).meta({ maxItems: MAX_RANK }) }).strict(),
  "a local zero-copy allocation: gaia makes the file and answers its path; write it in place, then submit",
  [{ dtype: "float32", shape: [1024, 1024] }],
);

/** `?dtype=&shape=` of a raw upload (and of a session input's raw bytes). */
export const RawArrayQuery = z.object({
  dtype: z.string().optional().meta(dtypeDoc),
  shape: z.string().optional().meta({ pattern: SHAPE_PARAM.source, description: "comma-separated dimensions, e.g. 1024,1024; empty for rank 0" }),
});

export const Dtype = z.enum(DTYPE_NAMES);
const dimensions = z.array(z.number().int().min(0));

export const ArrayInfo = response("Array", z.object({ name: z.string().regex(NAME_RE), dtype: Dtype, shape: dimensions, byte_length: z.number().int().min(0) }), "an array gaia holds");
export const AllocatedArray = response(
  "AllocatedArray",
  ArrayInfo.extend({ path: z.string().meta({ description: "the file to map and write in place" }), state: z.literal("ready") }),
);

export const ArrayList = response(
  "ArrayList",
  z.object({
    arrays: z.array(ArrayInfo.extend({ state: z.enum(["writing", "ready"]), job: z.string().nullable().meta({ description: "the job whose output it is" }), created_at: Time })),
    bytes: z.number().int().min(0),
    spare_bytes: z.number().int().min(0),
    max_bytes: z.number().int().min(0),
  }),
  "every array, the bytes in use, the spare files' bytes and the cap (arrays.max_bytes)",
);
export const DeletedArray = response("DeletedArray", ArrayInfo.extend({ deleted: z.literal(true) }));

export type ArrayList = z.output<typeof ArrayList>;

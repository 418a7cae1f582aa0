/** The node the pipeline benchmark runs on the Bun side: it forwards each frame. */
import type { NodeContext } from "../workers/node/types.ts";

export const nodes = {
  "b.pass": class {
    static inputs = ["in"];
    static outputs = ["out"];
    process(_port: string, value: unknown, ctx: NodeContext) {
      return ctx.emit("out", value);
    }
  },
};

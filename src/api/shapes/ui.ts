/** The dashboard's own routes (src/ui/routes.ts): sign-in's body and what the page asks first. */
import { z } from "zod";
import { request, response } from "./registry.ts";

export const UiLogin = request("UiLogin", z.object({ token: z.string().min(1).max(1024) }).strict(), "the TCP listener's token (control.token_file), exchanged for an HttpOnly cookie", [{ token: "0123abcd" }]);

export const UiSession = response(
  "UiSession",
  z.object({
    needs_token: z.boolean().describe("this listener asks for the token (TCP with control.listen); the Unix socket never does"),
    signed_in: z.boolean().describe("the request carried the token (bearer or cookie), or needs none"),
  }),
  "whether the page must sign in first",
);

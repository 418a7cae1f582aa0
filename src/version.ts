/** gaia's version, from package.json at build time (the bundler inlines the JSON). */
import pkg from "../package.json" with { type: "json" };

export const VERSION: string = pkg.version;

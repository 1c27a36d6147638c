/** @module common/version The Teeth version, reported as `agent_version` and by `--version`. */
import pkg from "../package.json" with { type: "json" };

export const TEETH_VERSION: string = pkg.version;

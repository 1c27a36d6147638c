/** @module agent/config Parameters of `teeth agent`: sources, validation, the frozen config. */
export * from "./agent-config.ts";
export * from "./parse-sources.ts";
export { PARAMETERS } from "./parameters.ts";

/**
 * @module protocol
 * Everything that crosses a process boundary, typed once with zod and shared by agent and conductor.
 */
export * from "./agent-commands.ts";
export * from "./steps.ts";
export * from "./inventory.ts";
export * from "./ramdisk-api.ts";
export * from "./image-info.ts";
export * from "./ironic-api.ts";

/**
 * @module protocol/agent-commands
 * The agent's command API (conductor -> agent, port 9999), exactly as ironic-python-agent
 * serves it: request body, command result, error shapes.
 */
import { z } from "zod";

/** `POST /v1/commands/` body: `{"name": "<extension>.<command>", "params": {...}}`. */
export const CommandRequestSchema = z.object({
  name: z.string().min(1).max(256),
  params: z.record(z.string(), z.unknown()).default({}),
});
export type CommandRequest = z.infer<typeof CommandRequestSchema>;

export const CommandStatusSchema = z.enum(["RUNNING", "SUCCEEDED", "FAILED", "CLEAN_VERSION_MISMATCH"]);
export type CommandStatus = z.infer<typeof CommandStatusSchema>;

/** IPA's RESTError serialisation, used in `command_error`. */
export const CommandErrorSchema = z.object({
  type: z.string(),
  code: z.number().int(),
  message: z.string(),
  details: z.unknown(),
});
export type CommandError = z.infer<typeof CommandErrorSchema>;

/** One command's result, as `GET /v1/commands/{id}` returns it (IPA's serializable_fields). */
export const CommandResultSchema = z.object({
  id: z.string(),
  command_name: z.string(),
  command_status: CommandStatusSchema,
  command_error: CommandErrorSchema.nullable(),
  command_result: z.unknown().nullable(),
});
export type CommandResult = z.infer<typeof CommandResultSchema>;

export const CommandListSchema = z.object({ commands: z.array(CommandResultSchema) });
export type CommandList = z.infer<typeof CommandListSchema>;

/** HTTP error body of the agent API (WSME style, as IPA). */
export const AgentFaultSchema = z.object({
  faultcode: z.enum(["Client", "Server"]),
  faultstring: z.string(),
  debuginfo: z.string().nullable().optional(),
});
export type AgentFault = z.infer<typeof AgentFaultSchema>;

/** `GET /v1/status`. */
export const AgentStatusSchema = z.object({ started_at: z.number(), version: z.string() });
export type AgentStatus = z.infer<typeof AgentStatusSchema>;

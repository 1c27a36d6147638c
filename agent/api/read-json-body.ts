/**
 * @module agent/api/read-json-body
 * Reads a request body with a hard size cap (counted while streaming, so a lying or absent
 * Content-Length cannot make the agent buffer more) and parses it as JSON, refusing nesting
 * deeper than {@link MAX_AGENT_JSON_DEPTH} before `JSON.parse` runs (what parses must survive
 * `JSON.stringify` and zod, which recurse).
 */
import { MAX_AGENT_JSON_DEPTH, withinJsonDepth } from "../../common/json-depth.ts";
import { AgentErrors } from "../errors.ts";

/** Reads the next chunk; a client gone mid-body is the client's error, not the agent's. */
async function nextChunk(reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> }): Promise<{ done: boolean; value?: Uint8Array }> {
  try {
    return await reader.read();
  } catch {
    throw AgentErrors.badBody("the body could not be read (the client went away?)");
  }
}

/**
 * @example
 * const body = await readJsonBody(c.req.raw, 96 * 1024 * 1024);
 */
export async function readJsonBody(request: Request, limit: number): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw AgentErrors.bodyTooLarge(limit);
  if (!request.body) throw AgentErrors.badBody("empty body");
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await nextChunk(reader);
    if (done || !value) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw AgentErrors.bodyTooLarge(limit);
    }
    chunks.push(value);
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks));
  if (text.trim() === "") throw AgentErrors.badBody("empty body");
  if (!withinJsonDepth(text, MAX_AGENT_JSON_DEPTH)) throw AgentErrors.badBody(`JSON nested deeper than ${MAX_AGENT_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch {
    throw AgentErrors.badBody("body is not valid JSON");
  }
}

/**
 * @module agent/api/read-json-body
 * Reads a request body with a hard size cap (counted while streaming, so a lying or absent
 * Content-Length cannot make the agent buffer more) and parses it as JSON.
 */
import { AgentErrors } from "../errors.ts";

export async function readJsonBody(request: Request, limit: number): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw AgentErrors.bodyTooLarge(limit);
  if (!request.body) throw AgentErrors.badBody("empty body");
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw AgentErrors.bodyTooLarge(limit);
    }
    chunks.push(value);
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks));
  if (text.trim() === "") throw AgentErrors.badBody("empty body");
  try {
    return JSON.parse(text);
  } catch {
    throw AgentErrors.badBody("body is not valid JSON");
  }
}

import { describe, expect, test } from "bun:test";
import { MAX_AGENT_JSON_DEPTH } from "../../common/json-depth.ts";
import { readJsonBody } from "./read-json-body.ts";

const post = (body: string | ReadableStream<Uint8Array>) => new Request("http://agent.test/v1/commands", { method: "POST", body });
const refusal = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as { status: number; message: string };
  }
  throw new Error("expected a refusal");
};

describe("readJsonBody", () => {
  test("nesting past the agent's limit is a 400 before JSON.parse, in objects, arrays and mixed", async () => {
    const deep = MAX_AGENT_JSON_DEPTH + 1;
    for (const body of ["[".repeat(deep) + "]".repeat(deep), '{"a":'.repeat(deep) + "1" + "}".repeat(deep), "[".repeat(200_000)]) {
      const e = await refusal(readJsonBody(post(body), 1 << 24));
      expect(e.status).toBe(400);
      expect(e.message).toContain(`deeper than ${MAX_AGENT_JSON_DEPTH}`);
    }
  });

  test("a command nested at the limit parses", async () => {
    const d = MAX_AGENT_JSON_DEPTH - 1;
    const body = `{"name":"standby.sync","params":${'{"a":'.repeat(d - 1)}{}${"}".repeat(d - 1)}}`;
    expect(((await readJsonBody(post(body), 1 << 24)) as { name: string }).name).toBe("standby.sync");
  });

  test("brackets inside strings do not count", async () => {
    const body = JSON.stringify({ name: "x", params: { s: "[".repeat(10_000) } });
    expect(((await readJsonBody(post(body), 1 << 24)) as { params: { s: string } }).params.s).toHaveLength(10_000);
  });

  test("a body that fails mid-read is the client's error (400), not the agent's", async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"name":'));
        c.error(new Error("The connection was closed."));
      },
    });
    const e = await refusal(readJsonBody(post(stream), 1 << 24));
    expect(e.status).toBe(400);
  });
});

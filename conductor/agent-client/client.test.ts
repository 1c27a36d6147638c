import { describe, expect, test } from "bun:test";
import { MAX_AGENT_JSON_DEPTH } from "../../common/json-depth.ts";
import { createSilentLogger } from "../../common/logger.ts";
import { createAgentClient } from "./client.ts";

const node = { uuid: "n1", agent_url: "http://127.0.0.1:9999", agent_token: "t", agent_verify_ca: null };
const answering = (body: string) =>
  createAgentClient({ logger: createSilentLogger(), commandTimeoutS: 5, maxAttempts: 1, fetch: (async () => new Response(body, { status: 200 })) as unknown as typeof fetch });

describe("agent client", () => {
  test("an answer nested deeper than an agent command may be is a command failure, never stored", async () => {
    const deep = "[".repeat(50_000) + "]".repeat(50_000);
    const result = `{"id":"c1","command_name":"get_clean_steps","command_status":"SUCCEEDED","command_error":null,"command_result":${deep}}`;
    for (const body of [deep, result, `{"commands":[${result}]}`]) {
      const e = await answering(body).execute(node, "clean.get_clean_steps", {}).then(() => null, (x) => x);
      expect(e?.code).toBe("AGENT_COMMAND_FAILED");
      expect(e?.message).toContain(`deeper than ${MAX_AGENT_JSON_DEPTH}`);
    }
    const listed = await answering(`{"commands":[${result}]}`).listCommands(node).then(() => null, (x) => x);
    expect(listed?.code).toBe("AGENT_COMMAND_FAILED");
  });

  test("an ordinary answer still parses", async () => {
    const ok = '{"id":"c1","command_name":"sync","command_status":"SUCCEEDED","command_error":null,"command_result":{"a":[[1]]}}';
    expect((await answering(ok).execute(node, "standby.sync", {})).command_status).toBe("SUCCEEDED");
  });
});

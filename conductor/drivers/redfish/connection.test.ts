import { describe, expect, test } from "bun:test";
import { createSilentLogger } from "../../../common/logger.ts";
import { createBudget } from "./budget.ts";
import { connectionKey } from "./connection-cache.ts";
import { createConnection } from "./connection.ts";
import type { RedfishTarget } from "./driver-info.ts";
import type { FetchLike } from "./transport.ts";

const target: RedfishTarget = {
  origin: "https://10.0.0.5",
  rootPrefix: "/redfish/v1/",
  systemId: null,
  username: "admin",
  password: "pw-in-key?",
  verifyCa: true,
  authType: "auto",
};

/** A BMC whose answers are canned by path; records every URL asked for. */
function cannedBmc(routes: Record<string, () => Response>) {
  const asked: string[] = [];
  const fetch: FetchLike = async (url) => {
    asked.push(url);
    const route = routes[new URL(url).pathname];
    return route ? route() : new Response("{}", { status: 404 });
  };
  return { fetch, asked };
}

const settings = { connectionAttempts: 1, connectionRetryIntervalS: 0 };

describe("redfish connection", () => {
  test("a link pointing off the BMC is refused before anything is sent there (credentials stay home)", async () => {
    const bmc = cannedBmc({
      "/redfish/v1/": () => Response.json({ Systems: { "@odata.id": "/redfish/v1/Systems" }, Links: { Sessions: { "@odata.id": "https://collector.example/steal" } } }),
    });
    const conn = createConnection(target, { fetch: bmc.fetch, logger: createSilentLogger(), settings });
    const e = await conn.request("GET", "/redfish/v1/Systems", createBudget("get power state", target.origin, 5)).catch((x) => x);
    expect(e.code).toBe("BMC_ERROR");
    expect(e.message).toContain("pointed outside itself (https://collector.example)");
    expect(bmc.asked.every((u) => u.startsWith("https://10.0.0.5/"))).toBe(true);
  });

  test("a redirect is not followed (real fetch, loopback)", async () => {
    let elsewhereHits = 0;
    const elsewhere = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => (elsewhereHits++, Response.json({})) });
    const bmc = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(null, { status: 302, headers: { Location: `http://127.0.0.1:${elsewhere.port}/redfish/v1/` } }) });
    try {
      const t = { ...target, origin: `http://127.0.0.1:${bmc.port}` };
      const conn = createConnection(t, { fetch: (u, i) => fetch(u, i), logger: createSilentLogger(), settings });
      const e = await conn.root(createBudget("get power state", t.origin, 5)).catch((x) => x);
      expect(e.code).toBe("BMC_ERROR");
      expect(e.message).toContain("HTTP 302");
      expect(elsewhereHits).toBe(0);
    } finally {
      bmc.stop(true);
      elsewhere.stop(true);
    }
  });

  test("the cache key tells users and passwords apart without holding the password", () => {
    const k = connectionKey(target);
    expect(k).not.toContain("pw-in-key?");
    expect(connectionKey({ ...target, password: "other" })).not.toBe(k);
    expect(connectionKey({ ...target, systemId: "/redfish/v1/Systems/2" })).toBe(k); // one session for every system of a BMC
  });
});

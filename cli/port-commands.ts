/**
 * @module cli/port-commands
 * `teeth port <verb>`: create, list, show, delete.
 */
import { one, parse, some } from "./args.ts";
import { fields, table } from "./format.ts";
import { emit, type Command } from "./io.ts";

export const PORT_COMMANDS: Record<string, { help: string; run: Command }> = {
  create: {
    help: "create MAC --node NODE [--no-pxe]",
    async run(argv, io) {
      const { values, positionals } = parse(argv, { node: { type: "string" }, "no-pxe": { type: "boolean" } });
      if (positionals.length !== 1 || !values.node) throw new Error("usage: teeth port create MAC --node NODE");
      const port = await io.api.request("POST", "/v1/ports", { address: positionals[0], node_uuid: values.node, pxe_enabled: !values["no-pxe"] });
      emit(io, port, () => fields(port));
      return 0;
    },
  },
  list: {
    help: "list [--node NODE]",
    async run(argv, io) {
      const { values } = parse(argv, { node: { type: "string" } });
      const q = new URLSearchParams({ detail: "true" });
      if (values.node) q.set("node", values.node);
      const { ports } = await io.api.request("GET", `/v1/ports?${q}`);
      emit(io, ports, () => table(["UUID", "ADDRESS", "NODE", "PXE"], ports.map((p: any) => [p.uuid, p.address, p.node_uuid, p.pxe_enabled])));
      return 0;
    },
  },
  show: {
    help: "show PORT|MAC",
    async run(argv, io) {
      const { positionals } = parse(argv, {});
      const port = await io.api.request("GET", `/v1/ports/${encodeURIComponent(one(positionals, "PORT or MAC"))}`);
      emit(io, port, () => fields(port));
      return 0;
    },
  },
  delete: {
    help: "delete PORT|MAC...",
    async run(argv, io) {
      const { positionals } = parse(argv, {});
      for (const p of some(positionals, "PORT or MAC")) {
        await io.api.request("DELETE", `/v1/ports/${encodeURIComponent(p)}`);
        if (!io.json) io.out(`deleted ${p}\n`);
      }
      return 0;
    },
  },
};

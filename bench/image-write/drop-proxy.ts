/**
 * @module bench/image-write/drop-proxy
 * A loopback TCP proxy in front of nginx that cuts each connection after it has carried
 * `--every` bytes toward the client: the "flaky network" of benchmark case 5.
 *
 * @example
 * bun bench/image-write/drop-proxy.ts --listen 18081 --upstream 18080 --every 268435456
 */
import net from "node:net";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { listen: { type: "string" }, upstream: { type: "string" }, every: { type: "string" } },
});
const every = Number(values.every ?? 256 * 1024 * 1024);
let cuts = 0;

const server = net.createServer((client) => {
  const upstream = net.connect(Number(values.upstream), "127.0.0.1");
  let carried = 0;
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", close);
  upstream.on("error", close);
  client.on("close", close);
  upstream.on("close", close);
  client.on("data", (d) => upstream.write(d));
  upstream.on("data", (d: Buffer) => {
    const room = every - carried;
    if (d.length >= room) {
      client.write(d.subarray(0, room));
      cuts += 1;
      process.stderr.write(`drop-proxy: cut #${cuts} after ${every} bytes\n`);
      return close();
    }
    carried += d.length;
    if (!client.write(d)) {
      upstream.pause();
      client.once("drain", () => upstream.resume());
    }
  });
});
server.listen(Number(values.listen), "127.0.0.1", () => process.stderr.write(`drop-proxy on ${values.listen}\n`));

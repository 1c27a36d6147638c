/**
 * Node interfaces as Ironic: checked against the hardware type and the enabled interfaces,
 * defaults stored per node, `/v1/drivers` detail/show/properties, and the fake deploy and
 * inspect interfaces finishing at once (openstacksdk's create_node: manage -> provide -> available).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

let tc: TestConductor;
const fault = (r: { json: any }) => JSON.parse(r.json.error_message).faultstring as string;
const IPMI = { ipmi_address: "127.0.0.1", ipmi_username: "u", ipmi_password: "p" };

beforeAll(async () => {
  tc = await startTestConductor({ interfaces: { enabled: { deploy: ["direct", "fake"], raid: ["no-raid", "agent"] } } });
});
afterAll(() => tc.destroy());

test("defaults come from the hardware type and are stored with the node", async () => {
  const ipmi = await tc.api("POST", "/v1/nodes", { name: "if-ipmi", driver: "ipmi", driver_info: IPMI });
  expect(ipmi.status).toBe(201);
  expect(ipmi.json).toMatchObject({ boot_interface: "ipxe", power_interface: "ipmitool", management_interface: "ipmitool", deploy_interface: "direct", raid_interface: "no-raid", inspect_interface: "agent" });
  const rf = await tc.api("POST", "/v1/nodes", { name: "if-rf", driver: "redfish", driver_info: { redfish_address: "https://127.0.0.1" }, raid_interface: "agent" });
  expect(rf.json).toMatchObject({ power_interface: "redfish", management_interface: "redfish", raid_interface: "agent" });
});

test("unsupported and not-enabled interfaces are 400 with Ironic's messages, on create and patch", async () => {
  const vmedia = await tc.api("POST", "/v1/nodes", { driver: "redfish", boot_interface: "redfish-virtual-media" });
  expect(vmedia.status).toBe(400);
  expect(fault(vmedia)).toBe("Could not find the following interface in the 'ironic.hardware.interfaces.boot' entrypoint: redfish-virtual-media. Valid interfaces are ['ipxe', 'pxe', 'fake'].");
  const fakePower = await tc.api("POST", "/v1/nodes", { driver: "ipmi", power_interface: "fake" });
  expect([fakePower.status, fault(fakePower)]).toEqual([400, "power interface implementation 'fake' is not supported by hardware type IPMIHardware."]);
  expect((await tc.api("POST", "/v1/nodes", { driver: "ipmi", deploy_interface: "ramdisk" })).status).toBe(400);
  const patch = await tc.api("PATCH", "/v1/nodes/if-ipmi", [{ op: "replace", path: "/power_interface", value: "redfish" }]);
  expect([patch.status, fault(patch)]).toEqual([400, "power interface implementation 'redfish' is not supported by hardware type IPMIHardware."]);
  // A driver change keeps the interfaces unless reset_interfaces=True asks for the new defaults.
  expect((await tc.api("PATCH", "/v1/nodes/if-ipmi", [{ op: "replace", path: "/driver", value: "redfish" }])).status).toBe(400);
  const reset = await tc.api("PATCH", "/v1/nodes/if-ipmi?reset_interfaces=True", [{ op: "replace", path: "/driver", value: "redfish" }, { op: "add", path: "/driver_info/redfish_address", value: "https://127.0.0.1" }]);
  expect([reset.status, reset.json.power_interface]).toEqual([200, "redfish"]);
});

test("GET /v1/drivers?detail=True, /v1/drivers/{name}, properties, RAID properties", async () => {
  const list = await tc.api("GET", "/v1/drivers");
  expect(list.json.drivers.map((d: any) => d.name).sort()).toEqual(["fake-hardware", "ipmi", "redfish"]);
  expect(list.json.drivers[0]).not.toHaveProperty("default_boot_interface");
  const detail = await tc.api("GET", "/v1/drivers?detail=True");
  const ipmi = detail.json.drivers.find((d: any) => d.name === "ipmi");
  expect(ipmi).toMatchObject({ default_boot_interface: "ipxe", enabled_boot_interfaces: ["ipxe", "pxe"], default_power_interface: "ipmitool", enabled_deploy_interfaces: ["direct"] });
  const fake = await tc.api("GET", "/v1/drivers/fake-hardware");
  expect(fake.json.enabled_deploy_interfaces).toEqual(["direct", "fake"]);
  expect(fake.json).toHaveProperty("default_firmware_interface");
  expect((await tc.api("GET", "/v1/drivers/fake-hardware", undefined, { "X-OpenStack-Ironic-API-Version": "1.82" })).json).not.toHaveProperty("default_firmware_interface");
  expect((await tc.api("GET", "/v1/drivers?detail=True", undefined, { "X-OpenStack-Ironic-API-Version": "1.29" })).status).toBe(406);
  const missing = await tc.api("GET", "/v1/drivers/nope");
  expect([missing.status, fault(missing)]).toEqual([404, "Could not find the following driver(s) or hardware type(s): nope."]);
  const props = await tc.api("GET", "/v1/drivers/ipmi/properties");
  expect(props.json.ipmi_address).toBe("IP address or hostname of the node. Required.");
  // As Ironic 21.4 (checked by test/ironic/api-versions-diff): the schema's properties even for no-raid.
  const raid = await tc.api("GET", "/v1/drivers/ipmi/raid/logical_disk_properties");
  expect(raid.status).toBe(200);
  expect(Object.keys(raid.json)).toEqual(expect.arrayContaining(["raid_level", "size_gb"]));
  expect((await tc.api("GET", "/v1/drivers/ipmi/raid/logical_disk_properties", undefined, { "X-OpenStack-Ironic-API-Version": "1.11" })).status).toBe(406);
});

test("fake deploy: provide and deploy finish at once without an agent; fake inspect too; no-inspect refused", async () => {
  const node = await tc.api("POST", "/v1/nodes", { name: "if-fake", driver: "fake-hardware", deploy_interface: "fake", inspect_interface: "fake" });
  expect(node.status).toBe(201);
  expect((await tc.api("PUT", "/v1/nodes/if-fake/states/provision", { target: "manage" })).status).toBe(202);
  await tc.waitFor("if-fake", (n) => n.provision_state === "manageable");
  expect((await tc.api("PUT", "/v1/nodes/if-fake/states/provision", { target: "inspect" })).status).toBe(202);
  const inspected = await tc.waitFor("if-fake", (n) => n.provision_state === "manageable" && n.inspection_finished_at);
  expect(inspected.last_error).toBeNull();
  expect((await tc.api("PUT", "/v1/nodes/if-fake/states/provision", { target: "provide" })).status).toBe(202);
  await tc.waitFor("if-fake", (n) => n.provision_state === "available");
  const validate = await tc.api("GET", "/v1/nodes/if-fake/validate");
  expect(validate.json.deploy).toEqual({ result: true });
  expect((await tc.api("PUT", "/v1/nodes/if-fake/states/provision", { target: "active" })).status).toBe(202);
  await tc.waitFor("if-fake", (n) => n.provision_state === "active");
  expect((await tc.api("PUT", "/v1/nodes/if-fake/states/provision", { target: "deleted" })).status).toBe(202);
  await tc.waitFor("if-fake", (n) => n.provision_state === "available");
  await tc.api("POST", "/v1/nodes", { name: "if-noinspect", driver: "fake-hardware", inspect_interface: "no-inspect" });
  await tc.api("PUT", "/v1/nodes/if-noinspect/states/provision", { target: "manage" });
  await tc.waitFor("if-noinspect", (n) => n.provision_state === "manageable");
  const refused = await tc.api("PUT", "/v1/nodes/if-noinspect/states/provision", { target: "inspect" });
  expect([refused.status, fault(refused)]).toEqual([400, "Driver fake-hardware does not support inspect (disabled or not implemented)."]);
}, 30_000);

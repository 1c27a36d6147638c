"""The way operators' tooling drives Ironic through openstacksdk's baremetal proxy, against
the conductor at argv[1] (noauth). Prints one JSON line per step, {"step": ..., ...}, so the
test can say which call went wrong; any exception is printed as {"step": ..., "error": ...}
and ends the script with exit status 1.

Run by test/conductor/openstacksdk-baremetal.test.ts with Debian's python3-openstacksdk.
"""
import json
import os
import sys

import openstack

URL = sys.argv[1]
if os.environ.get("TEETH_SDK_DEBUG"):
    # Every request and answer on stderr (TEETH_SDK_DEBUG=1 in the test's environment).
    openstack.enable_logging(debug=True, http_debug=True)
step_name = "connect"


def out(step, **data):
    print(json.dumps({"step": step, **data}, default=str), flush=True)


def main():
    global step_name

    def step(name):
        global step_name
        step_name = name

    conn = openstack.connect(auth_type="none", auth={"endpoint": URL}, baremetal_status_code_retries=0)
    bm = conn.baremetal

    step("create_node")
    node = bm.create_node(
        name="sdk-1", driver="fake-hardware", deploy_interface="fake", resource_class="gold", provision_state="enroll",
        driver_info={"ipmi_address": "127.0.0.1"}, properties={"cpus": 4, "memory_mb": 8192},
    )
    out("create_node", id=node.id, name=node.name, state=node.provision_state, resource_class=node.resource_class,
        deploy_interface=node.deploy_interface)
    # Without provision_state the SDK takes the node to available itself (manage, provide, waiting).
    other = bm.create_node(name="sdk-2", driver="fake-hardware", resource_class="silver")
    out("create_available", state=other.provision_state, power=other.power_state)

    step("list_nodes")
    listed = {
        "all": sorted(n.name for n in bm.nodes()),
        "details": sorted((n.name, n.driver) for n in bm.nodes(details=True)),
        "enroll": sorted(n.name for n in bm.nodes(provision_state="enroll")),
        "available": sorted(n.name for n in bm.nodes(provision_state="available")),
        "gold": [n.name for n in bm.nodes(resource_class="gold")],
        "unassociated": sorted(n.name for n in bm.nodes(associated=False, maintenance=False)),
        "fields": [sorted(k for k, v in n.to_dict(computed=False).items() if v is not None and k != "location")
                   for n in bm.nodes(fields=["uuid", "name"])][:1],
        "paged": sorted(n.name for n in bm.nodes(limit=1)),
    }
    out("list_nodes", **listed)

    step("find_get")
    found = bm.find_node("sdk-1")
    got = bm.get_node(node.id, fields=["name", "resource_class"])
    out("find_get", found=found.id, name=got.name, resource_class=got.resource_class)

    step("patch_update")
    node = bm.patch_node(node, [{"op": "add", "path": "/extra/rack", "value": "r1"}])
    node = bm.update_node(node, owner="acme", is_automated_clean_enabled=False)
    out("patch_update", extra=node.extra, owner=node.owner, automated_clean=node.is_automated_clean_enabled)

    step("ports")
    port = bm.create_port(node_uuid=node.id, address="52:54:00:5d:00:01", pxe_enabled=True)
    ports = [(p.address, p.node_id) for p in bm.ports(node=node.id, details=True)]
    out("ports", address=port.address, ports=ports)

    step("traits")
    bm.set_node_traits(node, ["CUSTOM_GOLD", "CUSTOM_FAST"])
    bm.add_node_trait(node, "HW_CPU_X86_AVX2")
    bm.remove_node_trait(node, "CUSTOM_FAST")
    out("traits", traits=sorted(bm.get_node(node.id).traits))

    step("validate")
    v = bm.validate_node(node, required=("power", "management"))
    out("validate", power=v["power"].result, management=v["management"].result)

    step("maintenance")
    bm.set_node_maintenance(node, reason="checking cables")
    m = bm.get_node(node.id)
    maintenance = [m.is_maintenance, m.maintenance_reason]
    bm.unset_node_maintenance(node)
    m = bm.get_node(node.id)
    out("maintenance", set=maintenance, unset=[m.is_maintenance, m.maintenance_reason])

    step("power")
    bm.set_node_power_state(node, "power on", wait=True, timeout=30)
    on = bm.get_node(node.id).power_state
    bm.set_node_power_state(node, "power off", wait=True, timeout=30)
    out("power", on=on, off=bm.get_node(node.id).power_state)

    step("boot_device")
    bm.set_node_boot_device(node, "pxe", persistent=True)
    # 0.101 has no getter: read it through the proxy's own session, as its other calls do.
    got = bm.get(f"/nodes/{node.id}/management/boot_device", microversion="1.76").json()
    out("boot_device", device=got["boot_device"], persistent=got["persistent"])

    step("manage_provide")
    node = bm.set_node_provision_state(node, "manage", wait=True, timeout=30)
    manageable = node.provision_state
    node = bm.set_node_provision_state(node, "provide", wait=True, timeout=30)
    out("manage_provide", manageable=manageable, provided=node.provision_state)

    step("allocation")
    alloc = bm.create_allocation(resource_class="gold", traits=["CUSTOM_GOLD"], name="sdk-alloc")
    alloc = bm.wait_for_allocation(alloc, timeout=30)
    out("allocation", state=alloc.state, node=alloc.node_id, instance=bm.get_node(node.id).instance_id == alloc.id,
        by_instance=[n.name for n in bm.nodes(instance_id=alloc.id)],
        associated=[n.name for n in bm.nodes(associated=True)],
        group=sorted(n.name for n in bm.nodes(conductor_group="")),
        faulty=[n.name for n in bm.nodes(fault="power failure", is_maintenance=True)])

    step("deploy")
    bm.update_node(node, instance_info={"image_source": "http://127.0.0.1:1/unused.img"})
    node = bm.set_node_provision_state(node, "active", config_drive={"meta_data": {"hostname": "sdk-1"}}, wait=True, timeout=60)
    out("deploy", state=node.provision_state, target=node.target_provision_state, last_error=node.last_error)

    step("vifs")
    bm.attach_vif_to_node(node, "vif-1")
    vifs = bm.list_node_vifs(node)
    bm.detach_vif_from_node(node, "vif-1")
    out("vifs", attached=vifs, after=bm.list_node_vifs(node))

    step("undeploy")
    node = bm.set_node_provision_state(node, "deleted", wait=True, timeout=60)
    # As Ironic, tearing the instance down removes its allocation.
    out("undeploy", state=node.provision_state, instance=node.instance_id, allocation=[a.id for a in bm.allocations()] == [])

    step("wait_many")
    nodes = bm.wait_for_nodes_provision_state([node.id], "available", timeout=10)
    out("wait_many", states=[n.provision_state for n in nodes])

    step("delete")
    bm.delete_port(port)
    bm.delete_node(node)
    bm.delete_node(other)
    out("delete", left=[n.name for n in bm.nodes()], missing=bm.find_node("sdk-1") is None)


try:
    main()
except Exception as e:  # noqa: BLE001 - the test reads the step that failed
    out(step_name, error=f"{type(e).__name__}: {e}")
    sys.exit(1)

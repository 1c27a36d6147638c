// Command gophercloud-baremetal drives the conductor at argv[1] the way Metal3's
// baremetal-operator drives Ironic through gophercloud: HTTP basic auth (user and password
// from TEETH_BASIC_USER / TEETH_BASIC_PASSWORD, never argv), microversion 1.89, look the
// node up by name, create it with its port, patch instance_info and maintenance (a string,
// as the operator sends it), manage/provide/deploy with a config drive/undeploy while
// polling, power, boot device, validate, filtered and paged lists, an allocation, delete.
// It prints one JSON line per step ({"step": ..., ...}); an error prints {"step", "error"}
// and exits 1.
//
// Built by test/conductor/gophercloud-baremetal.test.ts with Debian's golang-go and
// golang-github-gophercloud-gophercloud-dev (GOPATH mode, offline).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/gophercloud/gophercloud"
	"github.com/gophercloud/gophercloud/openstack/baremetal/httpbasic"
	"github.com/gophercloud/gophercloud/openstack/baremetal/v1/allocations"
	"github.com/gophercloud/gophercloud/openstack/baremetal/v1/nodes"
	"github.com/gophercloud/gophercloud/openstack/baremetal/v1/ports"
	"github.com/gophercloud/gophercloud/pagination"
)

var step = "connect"

func out(data map[string]interface{}) {
	data["step"] = step
	b, _ := json.Marshal(data)
	fmt.Println(string(b))
}

func must(err error) {
	if err != nil {
		out(map[string]interface{}{"error": err.Error()})
		os.Exit(1)
	}
}

// waitFor polls the node until its provision state is `want` (or a failure state).
func waitFor(c *gophercloud.ServiceClient, id, want string) *nodes.Node {
	for i := 0; i < 300; i++ {
		n, err := nodes.Get(c, id).Extract()
		must(err)
		if n.ProvisionState == want && n.TargetProvisionState == "" {
			return n
		}
		if n.LastError != "" && n.TargetProvisionState == "" {
			must(fmt.Errorf("node %s is %s: %s", id, n.ProvisionState, n.LastError))
		}
		time.Sleep(100 * time.Millisecond)
	}
	must(fmt.Errorf("node %s never reached %s", id, want))
	return nil
}

func names(c *gophercloud.ServiceClient, opts nodes.ListOpts, detail bool) []string {
	list := nodes.List
	if detail {
		list = nodes.ListDetail
	}
	got := []string{}
	pages := 0
	err := list(c, opts).EachPage(func(p pagination.Page) (bool, error) {
		pages++
		ns, err := nodes.ExtractNodes(p)
		for _, n := range ns {
			got = append(got, n.Name)
		}
		return pages < 10, err
	})
	must(err)
	sort.Strings(got)
	return got
}

func main() {
	c, err := httpbasic.NewBareMetalHTTPBasic(httpbasic.EndpointOpts{
		IronicEndpoint:     os.Args[1] + "/v1/",
		IronicUser:         os.Getenv("TEETH_BASIC_USER"),
		IronicUserPassword: os.Getenv("TEETH_BASIC_PASSWORD"),
	})
	must(err)
	c.Microversion = "1.89"

	step = "lookup_missing"
	_, err = nodes.Get(c, "bmo-1").Extract()
	_, notFound := err.(gophercloud.ErrDefault404)
	out(map[string]interface{}{"not_found": notFound})

	step = "create"
	n, err := nodes.Create(c, nodes.CreateOpts{
		Name: "bmo-1", Driver: "fake-hardware", DeployInterface: "fake", ResourceClass: "baremetal", Owner: "metal3",
		DriverInfo: map[string]interface{}{"deploy_kernel": "http://127.0.0.1/ipa.kernel"},
		Properties: map[string]interface{}{"capabilities": "boot_mode:uefi", "cpu_arch": "x86_64"},
	}).Extract()
	must(err)
	out(map[string]interface{}{"state": n.ProvisionState, "deploy_interface": n.DeployInterface, "owner": n.Owner})
	other, err := nodes.Create(c, nodes.CreateOpts{Name: "bmo-2", Driver: "fake-hardware", ResourceClass: "other"}).Extract()
	must(err)

	step = "port"
	p, err := ports.Create(c, ports.CreateOpts{NodeUUID: n.UUID, Address: "52:54:00:b3:00:01"}).Extract()
	must(err)
	found := []string{}
	must(ports.List(c, ports.ListOpts{Address: "52:54:00:b3:00:01"}).EachPage(func(pg pagination.Page) (bool, error) {
		ps, err := ports.ExtractPorts(pg)
		for _, x := range ps {
			found = append(found, x.UUID)
		}
		return true, err
	}))
	out(map[string]interface{}{"created": p.UUID, "by_address": found})

	step = "get_by_name"
	byName, err := nodes.Get(c, "bmo-1").Extract()
	must(err)
	out(map[string]interface{}{"uuid_matches": byName.UUID == n.UUID})

	step = "maintenance_patch"
	n, err = nodes.Update(c, n.UUID, nodes.UpdateOpts{
		nodes.UpdateOperation{Op: nodes.ReplaceOp, Path: "/maintenance", Value: "true"},
	}).Extract()
	must(err)
	inMaintenance := n.Maintenance
	n, err = nodes.Update(c, n.UUID, nodes.UpdateOpts{
		nodes.UpdateOperation{Op: nodes.ReplaceOp, Path: "/maintenance", Value: "false"},
	}).Extract()
	must(err)
	out(map[string]interface{}{"set": inMaintenance, "cleared": n.Maintenance})

	step = "validate"
	v, err := nodes.Validate(c, n.UUID).Extract()
	must(err)
	out(map[string]interface{}{"power": v.Power.Result, "management": v.Management.Result})

	step = "power"
	must(nodes.ChangePowerState(c, n.UUID, nodes.PowerStateOpts{Target: nodes.PowerOn}).ExtractErr())
	for i := 0; i < 100; i++ {
		if n, err = nodes.Get(c, n.UUID).Extract(); err == nil && n.TargetPowerState == "" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	out(map[string]interface{}{"power_state": n.PowerState})

	step = "boot_device"
	must(nodes.SetBootDevice(c, n.UUID, nodes.BootDeviceOpts{BootDevice: "pxe", Persistent: false}).ExtractErr())
	bd, err := nodes.GetBootDevice(c, n.UUID).Extract()
	must(err)
	supported, err := nodes.GetSupportedBootDevices(c, n.UUID).Extract()
	must(err)
	out(map[string]interface{}{"device": bd.BootDevice, "supported_has_pxe": contains(supported, "pxe")})

	step = "manage_provide"
	must(nodes.ChangeProvisionState(c, n.UUID, nodes.ProvisionStateOpts{Target: nodes.TargetManage}).ExtractErr())
	waitFor(c, n.UUID, "manageable")
	must(nodes.ChangeProvisionState(c, n.UUID, nodes.ProvisionStateOpts{Target: nodes.TargetProvide}).ExtractErr())
	n = waitFor(c, n.UUID, "available")
	out(map[string]interface{}{"state": n.ProvisionState})

	step = "lists"
	out(map[string]interface{}{
		"all":       names(c, nodes.ListOpts{}, false),
		"detail":    names(c, nodes.ListOpts{}, true),
		"available": names(c, nodes.ListOpts{ProvisionState: nodes.Available}, false),
		"owner":     names(c, nodes.ListOpts{Owner: "metal3"}, false),
		"paged":     names(c, nodes.ListOpts{Limit: 1, SortKey: "name", SortDir: "asc"}, false),
		"group":     names(c, nodes.ListOpts{ConductorGroup: ""}, true),
	})

	// gophercloud 0.12 sends fields as fields=a&fields=b, which Ironic refuses (400): the
	// error is the result here.
	step = "fields"
	_, err = nodes.List(c, nodes.ListOpts{Fields: []string{"uuid", "name"}}).AllPages()
	fieldsErr := ""
	if e, ok := err.(gophercloud.ErrDefault400); ok {
		fieldsErr = string(e.Body)
	}
	out(map[string]interface{}{"error_400": fieldsErr})

	step = "allocation"
	a, err := allocations.Create(c, allocations.CreateOpts{ResourceClass: "baremetal", Name: "bmo-alloc"}).Extract()
	must(err)
	for i := 0; i < 100 && a.State == "allocating"; i++ {
		time.Sleep(100 * time.Millisecond)
		a, err = allocations.Get(c, a.UUID).Extract()
		must(err)
	}
	out(map[string]interface{}{"state": a.State, "node_matches": a.NodeUUID == n.UUID})
	must(allocations.Delete(c, a.UUID).ExtractErr())

	step = "deploy"
	_, err = nodes.Update(c, n.UUID, nodes.UpdateOpts{
		nodes.UpdateOperation{Op: nodes.AddOp, Path: "/instance_info", Value: map[string]interface{}{
			"image_source": "http://127.0.0.1:1/os.qcow2", "image_os_hash_algo": "sha256", "image_os_hash_value": "0123", "image_disk_format": "qcow2",
		}},
	}).Extract()
	must(err)
	cd := nodes.ConfigDrive{MetaData: map[string]interface{}{"uuid": n.UUID, "name": "bmo-1"}, UserData: "#cloud-config\n"}
	must(nodes.ChangeProvisionState(c, n.UUID, nodes.ProvisionStateOpts{Target: nodes.TargetActive, ConfigDrive: cd}).ExtractErr())
	n = waitFor(c, n.UUID, "active")
	out(map[string]interface{}{"state": n.ProvisionState, "last_error": n.LastError})

	step = "undeploy"
	must(nodes.ChangeProvisionState(c, n.UUID, nodes.ProvisionStateOpts{Target: nodes.TargetDeleted}).ExtractErr())
	n = waitFor(c, n.UUID, "available")
	out(map[string]interface{}{"state": n.ProvisionState, "instance_info": n.InstanceInfo})

	step = "delete"
	must(ports.Delete(c, p.UUID).ExtractErr())
	must(nodes.Delete(c, n.UUID).ExtractErr())
	must(nodes.Delete(c, other.UUID).ExtractErr())
	out(map[string]interface{}{"left": names(c, nodes.ListOpts{}, false)})
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

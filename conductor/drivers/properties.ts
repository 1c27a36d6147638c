/**
 * @module conductor/drivers/properties
 * `GET /v1/drivers/{name}/properties` and `.../raid/logical_disk_properties`: the driver_info
 * keys each hardware type reads, with Ironic's descriptions (data, per hardware type).
 */

const IPMI: Record<string, string> = {
  ipmi_address: "IP address or hostname of the node. Required.",
  ipmi_password: "password. Optional.",
  ipmi_hex_kg_key: "Kg key for IPMIv2 authentication. The key is expected in hexadecimal format. Optional.",
  ipmi_port: "remote IPMI RMCP port. Optional.",
  ipmi_priv_level: "privilege level; default is ADMINISTRATOR. One of ADMINISTRATOR, CALLBACK, OPERATOR, USER. Optional.",
  ipmi_username: "username; default is NULL user. Optional.",
  ipmi_protocol_version: 'the version of the IPMI protocol; default is "2.0". One of "1.5", "2.0". Optional.',
  ipmi_force_boot_device:
    "Whether Ironic should specify the boot device to the BMC each time the server is turned on, eg. because the BMC is not capable of remembering the selected boot device across power cycles; default value is False. Optional.",
  ipmi_disable_boot_timeout:
    "By default ironic will send a raw IPMI command to disable the 60 second timeout for booting. Setting this option to False will NOT send that command on this node. The [ipmi]disable_boot_timeout will be used if this option is not set. Optional.",
  ipmi_cipher_suite:
    "The number of a cipher suite to use. Only 3 (AES-128 with SHA1) or 17 (AES-128 with SHA256) should ever be used; 17 is preferred. The default value depends on the ipmitool version, some recent versions have switched from 3 to 17.",
};

const REDFISH: Record<string, string> = {
  redfish_address:
    "The URL address to the Redfish controller. It must include the authority portion of the URL. If the scheme is missing, https is assumed. For example: https://mgmt.vendor.com. If a path is added, it will be used as the API endpoint root_prefix. Required",
  redfish_system_id:
    "The canonical path to the ComputerSystem resource that the driver will interact with. It should include the root service, version and the unique resource path to a ComputerSystem within the same authority as the redfish_address property. For example: /redfish/v1/Systems/1. This property is only required if target BMC manages more than one ComputerSystem. Otherwise ironic will pick the only available ComputerSystem automatically.",
  redfish_username: "User account with admin/server-profile access privilege. Although this property is not mandatory it's highly recommended to set a username. Optional",
  redfish_password: "User account password. Although this property is not mandatory, it's highly recommended to set a password. Optional",
  redfish_verify_ca:
    "Either a Boolean value, a path to a CA_BUNDLE file or directory with certificates of trusted CAs. If set to True the driver will verify the host certificates; if False the driver will ignore verifying the SSL certificate. If it's a path the driver will use the specified certificate or one of the certificates in the directory. Defaults to True. Optional",
  redfish_auth_type:
    'Redfish HTTP client authentication method. Can be "basic", "session" or "auto". If not set, the default value is taken from Ironic configuration as ``[redfish]auth_type`` option.',
};

/** The keys of each hardware type's driver_info with their descriptions. */
export const DRIVER_PROPERTIES: Readonly<Record<string, Record<string, string>>> = {
  ipmi: IPMI,
  redfish: REDFISH,
  "fake-hardware": {},
};

/** Ironic's RAID logical disk properties (of the agent RAID interface's schema). */
export const RAID_LOGICAL_DISK_PROPERTIES: Record<string, string> = {
  raid_level: "RAID level for the logical disk. Valid values are 'JBOD', '0', '1', '2', '5', '6', '1+0', '5+0' and '6+0'. Required.",
  size_gb: "Size in GiB (Integer) for the logical disk. Use 'MAX' as size_gb if this logical disk is supposed to use the rest of the space available. Required.",
  volume_name: "Name of the volume to be created. If this is not specified, it will be auto-generated. Optional.",
  is_root_volume: "Specifies whether this disk is a root volume. By default, this is False. Optional.",
  share_physical_disks: "Specifies whether other logical disks can share physical disks with this logical disk. By default, this is False. Optional.",
  disk_type:
    "The type of disk preferred. Valid values are 'hdd' and 'ssd'. If this is not specified, disk type will not be a selection criterion for choosing backing physical disks. Optional.",
  interface_type:
    "The interface type of disk. Valid values are 'sata', 'scsi' and 'sas'. If this is not specified, interface type will not be a selection criterion for choosing backing physical disks. Optional.",
  number_of_physical_disks: "Number of physical disks to use for this logical disk. By default, the driver uses the minimum number of disks required for that RAID level. Optional.",
  controller: "Controller to use for this logical disk. If not specified, the driver will choose a suitable RAID controller on the bare metal node. Optional.",
  physical_disks: "The physical disks to use for this logical disk. If not specified, the driver will choose suitable physical disks to use. Optional.",
};

// cni-go-combo: a small CNI plugin of the project's own, written in Go with
// the standard library only, to be built with `go build -cover`. It gives
// the container a CNI_IFNAME interface (one end of a veth pair kept inside
// the container, made with iproute2 through nsenter: the standard library
// has no netlink) and plans a host port from its configuration.
//
// It hides one defect on purpose, reachable only when three configuration
// fields line up: hairpinMode true, mode "vepa" or "passthru", and a vlan
// above 4094 (the range check sits on the other branch). Then ADD panics
// with an index out of range. The harness's coverage-guided fuzzer must find
// it; blind mutation rarely does (tests/coverage_guided.rs).
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

var supported = []string{"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}

type netConf struct {
	CNIVersion  string          `json:"cniVersion"`
	Name        string          `json:"name"`
	Type        string          `json:"type"`
	Mode        string          `json:"mode"`
	Vlan        int             `json:"vlan"`
	MTU         int             `json:"mtu"`
	HairpinMode bool            `json:"hairpinMode"`
	PrevResult  json.RawMessage `json:"prevResult,omitempty"`
}

type cniError struct {
	CNIVersion string `json:"cniVersion,omitempty"`
	Code       int    `json:"code"`
	Msg        string `json:"msg"`
	Details    string `json:"details,omitempty"`
}

func fail(version string, code int, msg string) {
	out, _ := json.Marshal(cniError{CNIVersion: version, Code: code, Msg: msg})
	os.Stdout.Write(out)
	os.Exit(1)
}

func isSupported(v string) bool {
	for _, s := range supported {
		if s == v {
			return true
		}
	}
	return false
}

// port picks the host port the container's traffic leaves by.
func port(c *netConf) (string, error) {
	if c.HairpinMode {
		ports := []string{"uplink", "peer"}
		if c.Mode == "vepa" || c.Mode == "passthru" {
			// Reflective relay: the VLAN picks the port.
			if c.Vlan > 4094 {
				// The defect: no range check on this branch.
				return ports[c.Vlan-4093], nil
			}
			return ports[c.Vlan&1], nil
		}
		return ports[0], nil
	}
	if c.Vlan < 0 || c.Vlan > 4094 {
		return "", fmt.Errorf("vlan %d out of range 0-4094", c.Vlan)
	}
	return "uplink", nil
}

func validate(c *netConf) (int, string) {
	switch c.Mode {
	case "", "bridge", "private", "vepa", "passthru":
	default:
		return 7, fmt.Sprintf("unsupported mode %q", c.Mode)
	}
	if c.MTU != 0 && (c.MTU < 68 || c.MTU > 65535) {
		return 7, fmt.Sprintf("mtu %d out of range 68-65535", c.MTU)
	}
	if c.Name == "" {
		return 7, "missing network name"
	}
	return 0, ""
}

// ipIn runs `ip ARGS` in the network namespace at netns.
func ipIn(netns string, args ...string) (string, error) {
	full := append([]string{"--net=" + netns, "ip"}, args...)
	out, err := exec.Command("nsenter", full...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func peerName(ifname string) string {
	if len(ifname) > 13 {
		ifname = ifname[:13]
	}
	return ifname + "_p"
}

func main() {
	cmd := os.Getenv("CNI_COMMAND")
	if cmd == "VERSION" {
		out, _ := json.Marshal(map[string]interface{}{
			"cniVersion":        "1.1.0",
			"supportedVersions": supported,
		})
		os.Stdout.Write(out)
		return
	}
	stdin, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("", 5, "reading stdin: "+err.Error())
	}
	var c netConf
	if err := json.Unmarshal(stdin, &c); err != nil {
		fail("", 6, "decoding configuration: "+err.Error())
	}
	if !isSupported(c.CNIVersion) {
		fail("", 1, fmt.Sprintf("incompatible CNI version %q", c.CNIVersion))
	}
	switch cmd {
	case "ADD", "CHECK", "DEL":
	case "STATUS", "GC":
		if c.CNIVersion != "1.1.0" {
			fail(c.CNIVersion, 1, cmd+" needs CNI version 1.1.0")
		}
		return
	default:
		fail(c.CNIVersion, 4, fmt.Sprintf("unknown CNI_COMMAND %q", cmd))
	}
	var missing []string
	for _, k := range []string{"CNI_CONTAINERID", "CNI_IFNAME", "CNI_PATH"} {
		if os.Getenv(k) == "" {
			missing = append(missing, k)
		}
	}
	if cmd != "DEL" && os.Getenv("CNI_NETNS") == "" {
		missing = append(missing, "CNI_NETNS")
	}
	if len(missing) > 0 {
		fail(c.CNIVersion, 4, fmt.Sprintf("missing environment variables %v", missing))
	}
	if code, msg := validate(&c); code != 0 {
		fail(c.CNIVersion, code, msg)
	}
	netns, ifname := os.Getenv("CNI_NETNS"), os.Getenv("CNI_IFNAME")
	// As Go's skel, plus '%': the kernel would expand "eth%d" to a name
	// of its choosing, not the one the runtime asked for.
	if len(ifname) > 15 || strings.ContainsAny(ifname, "/: %") || ifname == "." || ifname == ".." {
		fail(c.CNIVersion, 4, fmt.Sprintf("invalid CNI_IFNAME %q", ifname))
	}
	if cmd == "DEL" {
		// Gone already (or the namespace is): nothing to do, as DEL must.
		if netns != "" {
			if _, err := os.Stat(netns); err == nil {
				if _, err := ipIn(netns, "link", "show", ifname); err == nil {
					if out, err := ipIn(netns, "link", "del", ifname); err != nil {
						fail(c.CNIVersion, 11, "deleting "+ifname+": "+out)
					}
				}
			}
		}
		return
	}
	// As Go's skel: a namespace that is the plugin's own is no container's.
	own, errOwn := os.Stat("/proc/self/ns/net")
	target, errTarget := os.Stat(netns)
	if errTarget != nil {
		fail(c.CNIVersion, 8, "cannot open CNI_NETNS "+netns)
	}
	if errOwn == nil && os.SameFile(own, target) {
		fail(c.CNIVersion, 8, "CNI_NETNS "+netns+" is the plugin's own network namespace")
	}
	if _, err := port(&c); err != nil {
		fail(c.CNIVersion, 7, err.Error())
	}
	if cmd == "CHECK" {
		if out, err := ipIn(netns, "link", "show", ifname); err != nil {
			fail(c.CNIVersion, 11, ifname+" missing: "+out)
		}
		return
	}
	if _, err := ipIn(netns, "link", "show", ifname); err == nil {
		fail(c.CNIVersion, 11, "interface "+ifname+" already exists in the container")
	}
	if out, err := ipIn(netns, "link", "add", ifname, "type", "veth", "peer", "name", peerName(ifname)); err != nil {
		fail(c.CNIVersion, 11, "creating "+ifname+": "+out)
	}
	iface := map[string]interface{}{"name": ifname, "sandbox": netns}
	if len(c.PrevResult) > 0 {
		var prev map[string]interface{}
		if err := json.Unmarshal(c.PrevResult, &prev); err != nil {
			fail(c.CNIVersion, 6, "decoding prevResult: "+err.Error())
		}
		prev["cniVersion"] = c.CNIVersion
		ifaces, _ := prev["interfaces"].([]interface{})
		prev["interfaces"] = append(ifaces, iface)
		out, _ := json.Marshal(prev)
		os.Stdout.Write(out)
		return
	}
	out, _ := json.Marshal(map[string]interface{}{
		"cniVersion": c.CNIVersion,
		"interfaces": []interface{}{iface},
		"dns":        map[string]interface{}{},
	})
	os.Stdout.Write(out)
}

// Command libcni-driver is a minimal container runtime built on libcni: it
// runs ADD, CHECK and DEL of one network configuration for one attachment,
// the way containerd, CRI-O and Podman drive libcni. cni-harness's
// libcni_compare test runs it next to the harness with a recording plugin
// and compares what each gave the plugin.
//
// It is built offline in GOPATH mode against Debian's libcni sources
// (golang-github-appc-cni-dev): see ci/libcni-driver/build.sh.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/libcni"
)

type options struct {
	conf        string
	cniPath     string
	cacheDir    string
	netns       string
	containerID string
	ifname      string
	args        string
	caps        string
	verbs       string
}

// One line of output per verb, so the caller can tell which one failed.
type report struct {
	Verb   string          `json:"verb"`
	Ok     bool            `json:"ok"`
	Error  string          `json:"error,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
}

func main() {
	var o options
	flag.StringVar(&o.conf, "conf", "", "network configuration: a .conflist, or a single .conf (converted with ConfListFromConf, as runtimes do)")
	flag.StringVar(&o.cniPath, "cni-path", "", "plugin directories, colon-separated")
	flag.StringVar(&o.cacheDir, "cache-dir", "", "libcni's result cache directory")
	flag.StringVar(&o.netns, "netns", "", "CNI_NETNS")
	flag.StringVar(&o.containerID, "container-id", "", "CNI_CONTAINERID")
	flag.StringVar(&o.ifname, "ifname", "eth0", "CNI_IFNAME")
	flag.StringVar(&o.args, "args", "", "CNI_ARGS as K=V;K=V")
	flag.StringVar(&o.caps, "caps", "", "capability arguments, a JSON object (becomes runtimeConfig)")
	flag.StringVar(&o.verbs, "verbs", "add,check,del", "verbs to run in order: add, check, del")
	flag.Parse()
	if err := run(&o); err != nil {
		fmt.Fprintf(os.Stderr, "libcni-driver: %v\n", err)
		os.Exit(1)
	}
}

func run(o *options) error {
	for name, v := range map[string]string{"-conf": o.conf, "-cni-path": o.cniPath, "-cache-dir": o.cacheDir, "-netns": o.netns, "-container-id": o.containerID} {
		if v == "" {
			return fmt.Errorf("%s is required", name)
		}
	}
	list, err := loadList(o.conf)
	if err != nil {
		return err
	}
	rt, err := runtimeConf(o)
	if err != nil {
		return err
	}
	cni := libcni.NewCNIConfigWithCacheDir(filepath.SplitList(o.cniPath), o.cacheDir, nil)
	ctx := context.Background()
	out := json.NewEncoder(os.Stdout)
	failed := false
	for _, verb := range strings.Split(o.verbs, ",") {
		r := report{Verb: strings.ToUpper(verb)}
		switch verb {
		case "add":
			res, err := cni.AddNetworkList(ctx, list, rt)
			if err == nil {
				r.Result, err = json.Marshal(res)
			}
			r.setError(err)
		case "check":
			r.setError(cni.CheckNetworkList(ctx, list, rt))
		case "del":
			r.setError(cni.DelNetworkList(ctx, list, rt))
		default:
			return fmt.Errorf("-verbs: unknown verb %q (add, check, del)", verb)
		}
		if err := out.Encode(&r); err != nil {
			return err
		}
		if !r.Ok {
			failed = true
			break
		}
	}
	if failed {
		return fmt.Errorf("a verb failed (see its line on stdout)")
	}
	return nil
}

func (r *report) setError(err error) {
	r.Ok = err == nil
	if err != nil {
		r.Error = err.Error()
	}
}

// A file with a "plugins" array is a list; anything else a single plugin
// configuration, wrapped in a list as containerd's go-cni, CRI-O and
// Podman do.
func loadList(path string) (*libcni.NetworkConfigList, error) {
	bytes, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(bytes, &probe); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if _, ok := probe["plugins"]; ok {
		return libcni.ConfListFromBytes(bytes)
	}
	conf, err := libcni.ConfFromBytes(bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return libcni.ConfListFromConf(conf)
}

func runtimeConf(o *options) (*libcni.RuntimeConf, error) {
	rt := &libcni.RuntimeConf{
		ContainerID: o.containerID,
		NetNS:       o.netns,
		IfName:      o.ifname,
	}
	for _, pair := range strings.Split(o.args, ";") {
		if pair == "" {
			continue
		}
		kv := strings.SplitN(pair, "=", 2)
		if len(kv) != 2 || kv[0] == "" {
			return nil, fmt.Errorf("-args: %q is not KEY=VALUE", pair)
		}
		rt.Args = append(rt.Args, [2]string{kv[0], kv[1]})
	}
	if o.caps != "" {
		if err := json.Unmarshal([]byte(o.caps), &rt.CapabilityArgs); err != nil {
			return nil, fmt.Errorf("-caps must be a JSON object: %v", err)
		}
	}
	return rt, nil
}

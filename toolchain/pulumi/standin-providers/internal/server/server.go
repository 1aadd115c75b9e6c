// Package server is the gRPC resource provider both stand-in plugins run: one table of resource specs,
// and the engine protocol (check, diff, create, read, update, delete) implemented once over it.
//
// Hand-written because the real providers' modules are refused by the Go module proxy here and no other
// published module implements these resources; see docs/toolchain.md, "Stand-in plugins".
package server

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Failure is one input the resource rejects, as the engine shows it.
type Failure struct{ Property, Reason string }

// Spec describes one resource type exactly as far as the npm SDK reads it.
type Spec struct {
	Token   string
	Inputs  []string // every input the SDK sends
	Outputs []string // computed outputs, unknown during preview
	Secrets []string // outputs always returned as secrets
	InPlace []string // inputs that change without replacement (all others replace, as upstream)
	// Defaults fills the inputs' documented defaults, so state shows them as the real provider's does.
	Defaults func(in resource.PropertyMap)
	Check    func(in resource.PropertyMap) []Failure
	Create   func(in resource.PropertyMap) (id string, out resource.PropertyMap, err error)
	// Refresh recomputes state on read (for example, whether a certificate is due for renewal).
	Refresh func(state resource.PropertyMap) resource.PropertyMap
	// MustReplace reports a replacement that the state itself calls for, whatever the inputs say.
	MustReplace func(state resource.PropertyMap) (string, bool)
}

// Provider serves a table of specs.
type Provider struct {
	pulumirpc.UnimplementedResourceProviderServer
	name, version string
	specs         map[string]Spec
}

// Main runs the plugin. `--describe` prints the specs as JSON instead, so a test can compare them with
// what the npm SDK sends and reads without starting the engine.
func Main(name, version string, specs []Spec) {
	table := map[string]Spec{}
	for _, s := range specs {
		table[s.Token] = s
	}
	if len(os.Args) > 1 && os.Args[1] == "--describe" {
		describe(name, version, specs)
		return
	}
	fmt.Fprintf(os.Stderr, "%s: stand-in plugin v%s (real plugin not installed)\n", name, version)
	err := provider.Main(name, func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return &Provider{name: name, version: version, specs: table}, nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func describe(name, version string, specs []Spec) {
	type described struct {
		Inputs  []string `json:"inputs"`
		Outputs []string `json:"outputs"`
		Secrets []string `json:"secrets"`
		InPlace []string `json:"inPlace"`
	}
	out := map[string]any{"name": name, "version": version, "standIn": true}
	resources := map[string]described{}
	for _, s := range specs {
		resources[s.Token] = described{s.Inputs, s.Outputs, s.Secrets, orEmpty(s.InPlace)}
	}
	out["resources"] = resources
	_ = json.NewEncoder(os.Stdout).Encode(out)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

var marshal = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

func (p *Provider) spec(urn string) (Spec, error) {
	token := string(resource.URN(urn).Type())
	s, ok := p.specs[token]
	if !ok {
		return Spec{}, fmt.Errorf("%s stand-in plugin: unknown resource type %q (it implements only what this project uses)", p.name, token)
	}
	return s, nil
}

// decode finds the spec of urn and unmarshals a request's old and new properties.
func (p *Provider) decode(urn string, oldStruct, newStruct *structpb.Struct) (Spec, resource.PropertyMap, resource.PropertyMap, error) {
	s, err := p.spec(urn)
	if err != nil {
		return Spec{}, nil, nil, err
	}
	olds, err := plugin.UnmarshalProperties(oldStruct, marshal)
	if err != nil {
		return Spec{}, nil, nil, err
	}
	news, err := plugin.UnmarshalProperties(newStruct, marshal)
	return s, olds, news, err
}

func (p *Provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.version}, nil
}

func (p *Provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	resources := map[string]any{}
	for token, s := range p.specs {
		props := map[string]any{}
		for _, n := range append(append([]string{}, s.Inputs...), s.Outputs...) {
			props[n] = map[string]any{}
		}
		resources[token] = map[string]any{"properties": props, "description": "stand-in"}
	}
	b, err := json.Marshal(map[string]any{"name": p.name, "version": p.version, "resources": resources})
	return &pulumirpc.GetSchemaResponse{Schema: string(b)}, err
}

func (p *Provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *Provider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *Provider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true, AcceptResources: true}, nil
}

func (p *Provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	s, err := p.spec(req.GetUrn())
	if err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), marshal)
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	known := map[string]bool{}
	for _, n := range s.Inputs {
		known[n] = true
	}
	for _, k := range news.StableKeys() {
		if !known[string(k)] && !resource.IsInternalPropertyKey(k) {
			failures = append(failures, &pulumirpc.CheckFailure{Property: string(k), Reason: fmt.Sprintf("%s is not an input of %s", k, s.Token)})
		}
	}
	if s.Defaults != nil {
		s.Defaults(news)
	}
	if s.Check != nil && !news.ContainsUnknowns() {
		for _, f := range s.Check(news) {
			failures = append(failures, &pulumirpc.CheckFailure{Property: f.Property, Reason: f.Reason})
		}
	}
	inputs, err := plugin.MarshalProperties(news, marshal)
	return &pulumirpc.CheckResponse{Inputs: inputs, Failures: failures}, err
}

func (p *Provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	s, olds, news, err := p.decode(req.GetUrn(), req.GetOlds(), req.GetNews())
	if err != nil {
		return nil, err
	}
	inPlace := map[string]bool{}
	for _, n := range s.InPlace {
		inPlace[n] = true
	}
	var diffs, replaces []string
	for _, n := range s.Inputs {
		key := resource.PropertyKey(n)
		if sameValue(olds[key], news[key]) {
			continue
		}
		diffs = append(diffs, n)
		if !inPlace[n] {
			replaces = append(replaces, n)
		}
	}
	if s.MustReplace != nil {
		if key, due := s.MustReplace(olds); due {
			diffs, replaces = append(diffs, key), append(replaces, key)
		}
	}
	sort.Strings(diffs)
	changes := pulumirpc.DiffResponse_DIFF_NONE
	if len(diffs) > 0 {
		changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return &pulumirpc.DiffResponse{Changes: changes, Diffs: diffs, Replaces: replaces}, nil
}

// sameValue compares two inputs with secrets unwrapped (a value that became secret is not a change, as
// upstream) and an unknown new value counted as a change.
func sameValue(old, new resource.PropertyValue) bool {
	if new.ContainsUnknowns() {
		return false
	}
	return unwrap(old).DeepEquals(unwrap(new))
}

func unwrap(v resource.PropertyValue) resource.PropertyValue {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return v
}

func (p *Provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	s, err := p.spec(req.GetUrn())
	if err != nil {
		return nil, err
	}
	inputs, err := plugin.UnmarshalProperties(req.GetProperties(), marshal)
	if err != nil {
		return nil, err
	}
	out := inputs.Copy()
	id := ""
	if req.GetPreview() {
		for _, n := range s.Outputs {
			out[resource.PropertyKey(n)] = resource.MakeComputed(resource.NewStringProperty(""))
		}
	} else {
		created, outputs, err := s.Create(unwrapAll(inputs))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Token, err)
		}
		id = created
		for k, v := range outputs {
			out[k] = v
		}
	}
	props, err := plugin.MarshalProperties(markSecrets(s, out), marshal)
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, err
}

func unwrapAll(m resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range m {
		out[k] = unwrap(v)
	}
	return out
}

func markSecrets(s Spec, m resource.PropertyMap) resource.PropertyMap {
	for _, n := range s.Secrets {
		key := resource.PropertyKey(n)
		if v, ok := m[key]; ok && !v.IsSecret() && !v.IsNull() {
			m[key] = resource.MakeSecret(v)
		}
	}
	return m
}

func (p *Provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	s, err := p.spec(req.GetUrn())
	if err != nil {
		return nil, err
	}
	state, err := plugin.UnmarshalProperties(req.GetProperties(), marshal)
	if err != nil {
		return nil, err
	}
	if s.Refresh != nil {
		state = s.Refresh(state)
	}
	props, err := plugin.MarshalProperties(markSecrets(s, state), marshal)
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: props, Inputs: req.GetInputs()}, err
}

func (p *Provider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	s, olds, news, err := p.decode(req.GetUrn(), req.GetOlds(), req.GetNews())
	if err != nil {
		return nil, err
	}
	// Only in-place inputs reach here (Diff replaces on every other one): carry them into the state.
	out := olds.Copy()
	for _, n := range s.InPlace {
		key := resource.PropertyKey(n)
		if v, ok := news[key]; ok {
			out[key] = v
		} else {
			delete(out, key)
		}
	}
	if s.Refresh != nil && !req.GetPreview() {
		out = s.Refresh(out)
	}
	props, err := plugin.MarshalProperties(markSecrets(s, out), marshal)
	return &pulumirpc.UpdateResponse{Properties: props}, err
}

// Delete has nothing to remove: these resources exist only in the stack's state, as upstream's do.
func (p *Provider) Delete(context.Context, *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

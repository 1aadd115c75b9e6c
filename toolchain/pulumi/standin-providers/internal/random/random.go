// Package random implements the three resources of pulumi-random this project uses, with values from
// crypto/rand and the inputs, outputs, defaults and replace-on-change behaviour of the real provider.
package random

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/bcrypt"

	"production-blueprint.invalid/standin-providers/internal/server"
)

// Specs are the resources the plugin serves. Every input of the real provider forces a replacement
// (keepers included: that is what keepers are for), so InPlace is empty.
var Specs = []server.Spec{password, id, bytesSpec}

const defaultSpecial = "!@#$%&*()-_=+[]{}<>:?"

var password = server.Spec{
	Token:   "random:index/randomPassword:RandomPassword",
	Inputs:  []string{"keepers", "length", "lower", "minLower", "minNumeric", "minSpecial", "minUpper", "number", "numeric", "overrideSpecial", "special", "upper"},
	Outputs: []string{"bcryptHash", "result"},
	Secrets: []string{"bcryptHash", "result"},
	Defaults: func(in resource.PropertyMap) {
		for _, k := range []string{"lower", "upper", "special"} {
			server.SetDefault(in, k, true)
		}
		// `number` is the deprecated name of `numeric`: either one set decides both, as upstream.
		numeric := server.Bool(in, "numeric", server.Bool(in, "number", true))
		in["numeric"], in["number"] = resource.NewBoolProperty(numeric), resource.NewBoolProperty(numeric)
		for _, k := range []string{"minLower", "minUpper", "minNumeric", "minSpecial"} {
			server.SetDefault(in, k, 0.0)
		}
	},
	Check: func(in resource.PropertyMap) []server.Failure {
		if f := atLeastOne(in, "length"); f != nil {
			return f
		}
		length := server.Int(in, "length", 0)
		mins := server.Int(in, "minLower", 0) + server.Int(in, "minUpper", 0) + server.Int(in, "minNumeric", 0) + server.Int(in, "minSpecial", 0)
		if mins > length {
			return []server.Failure{{"length", fmt.Sprintf("length (%d) must be >= the sum of the minimums (%d)", length, mins)}}
		}
		if len(classes(in)) == 0 {
			return []server.Failure{{"lower", "at least one of lower, upper, numeric and special must be true"}}
		}
		return nil
	},
	Create: func(in resource.PropertyMap) (string, resource.PropertyMap, error) {
		result, err := generatePassword(in)
		if err != nil {
			return "", nil, err
		}
		hash, err := bcrypt.GenerateFromPassword([]byte(result), bcrypt.DefaultCost)
		if err != nil {
			return "", nil, err
		}
		return "none", server.Outputs(map[string]any{"result": result, "bcryptHash": string(hash)}), nil
	},
}

type class struct {
	chars string
	min   int
}

func classes(in resource.PropertyMap) []class {
	var out []class
	add := func(enabled bool, chars string, minKey string) {
		if enabled {
			out = append(out, class{chars, server.Int(in, minKey, 0)})
		}
	}
	add(server.Bool(in, "lower", true), "abcdefghijklmnopqrstuvwxyz", "minLower")
	add(server.Bool(in, "upper", true), "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "minUpper")
	add(server.Bool(in, "numeric", true), "0123456789", "minNumeric")
	add(server.Bool(in, "special", true), server.Str(in, "overrideSpecial", defaultSpecial), "minSpecial")
	return out
}

// generatePassword takes each class's minimum first, fills the rest from every enabled class, then
// shuffles, all with crypto/rand, as upstream does.
func generatePassword(in resource.PropertyMap) (string, error) {
	length := server.Int(in, "length", 0)
	var out []byte
	all := ""
	for _, c := range classes(in) {
		all += c.chars
		for i := 0; i < c.min; i++ {
			b, err := pick(c.chars)
			if err != nil {
				return "", err
			}
			out = append(out, b)
		}
	}
	for len(out) < length {
		b, err := pick(all)
		if err != nil {
			return "", err
		}
		out = append(out, b)
	}
	for i := len(out) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}

func pick(chars string) (byte, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(chars))))
	if err != nil {
		return 0, err
	}
	return chars[n.Int64()], nil
}

var id = server.Spec{
	Token:   "random:index/randomId:RandomId",
	Inputs:  []string{"byteLength", "keepers", "prefix"},
	Outputs: []string{"b64Std", "b64Url", "dec", "hex"},
	Check:   func(in resource.PropertyMap) []server.Failure { return atLeastOne(in, "byteLength") },
	Create: func(in resource.PropertyMap) (string, resource.PropertyMap, error) {
		b, err := randomBytes(server.Int(in, "byteLength", 0))
		if err != nil {
			return "", nil, err
		}
		prefix := server.Str(in, "prefix", "")
		url := base64.RawURLEncoding.EncodeToString(b)
		return url, server.Outputs(map[string]any{
			"b64Std": prefix + base64.StdEncoding.EncodeToString(b),
			"b64Url": prefix + url,
			"dec":    prefix + new(big.Int).SetBytes(b).String(),
			"hex":    prefix + hex.EncodeToString(b),
		}), nil
	},
}

var bytesSpec = server.Spec{
	Token:   "random:index/randomBytes:RandomBytes",
	Inputs:  []string{"keepers", "length"},
	Outputs: []string{"base64", "hex"},
	Secrets: []string{"base64", "hex"},
	Check:   func(in resource.PropertyMap) []server.Failure { return atLeastOne(in, "length") },
	Create: func(in resource.PropertyMap) (string, resource.PropertyMap, error) {
		b, err := randomBytes(server.Int(in, "length", 0))
		if err != nil {
			return "", nil, err
		}
		return "none", server.Outputs(map[string]any{"base64": base64.StdEncoding.EncodeToString(b), "hex": hex.EncodeToString(b)}), nil
	},
}

// atLeastOne names key when it is missing or below 1: every size input of these resources.
func atLeastOne(in resource.PropertyMap, key string) []server.Failure {
	if f := server.Required(in, key); f != nil {
		return f
	}
	if server.Int(in, key, 0) < 1 {
		return []server.Failure{{Property: key, Reason: key + " must be at least 1"}}
	}
	return nil
}

func randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	_, err := rand.Read(b)
	return b, err
}

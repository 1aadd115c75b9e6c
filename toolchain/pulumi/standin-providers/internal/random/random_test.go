package random

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"production-blueprint.invalid/standin-providers/internal/server"
)

func TestPasswordHonoursClassesAndMinimums(t *testing.T) {
	in := server.Outputs(map[string]any{"length": 40.0, "special": false, "minUpper": 10.0, "minNumeric": 10.0})
	password.Defaults(in)
	if f := password.Check(in); f != nil {
		t.Fatal(f)
	}
	_, out, err := password.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	result := out["result"].StringValue()
	if len(result) != 40 || strings.ContainsAny(result, defaultSpecial) {
		t.Fatalf("length %d, special present: %q", len(result), result)
	}
	count := func(set string) int {
		n := 0
		for _, r := range result {
			if strings.ContainsRune(set, r) {
				n++
			}
		}
		return n
	}
	if n := count("ABCDEFGHIJKLMNOPQRSTUVWXYZ"); n < 10 {
		t.Errorf("%d upper-case letters, want >= 10", n)
	}
	if n := count("0123456789"); n < 10 {
		t.Errorf("%d digits, want >= 10", n)
	}
	if bcrypt.CompareHashAndPassword([]byte(out["bcryptHash"].StringValue()), []byte(result)) != nil {
		t.Error("bcryptHash does not match result")
	}
	// Elasticsearch's file realm reads a bcrypt hash only with this prefix (components/observability/elasticsearch/fileRealm.ts).
	if hash := out["bcryptHash"].StringValue(); !strings.HasPrefix(hash, "$2a$10$") {
		t.Errorf("bcryptHash %q: want the prefix $2a$10$", hash)
	}
	_, again, _ := password.Create(in)
	if again["result"].StringValue() == result {
		t.Error("two passwords are equal")
	}
}

func TestPasswordMinimumsLargerThanLengthFail(t *testing.T) {
	in := server.Outputs(map[string]any{"length": 4.0, "minLower": 3.0, "minUpper": 3.0})
	password.Defaults(in)
	if f := password.Check(in); len(f) != 1 || f[0].Property != "length" {
		t.Fatalf("want a failure naming length, got %v", f)
	}
}

func TestIdEncodingsAgree(t *testing.T) {
	in := server.Outputs(map[string]any{"byteLength": 16.0, "prefix": "p-"})
	id, out, err := id.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	hex := strings.TrimPrefix(out["hex"].StringValue(), "p-")
	if len(hex) != 32 || !strings.HasPrefix(out["b64Url"].StringValue(), "p-"+id) {
		t.Fatalf("hex %q, b64Url %q, id %q", hex, out["b64Url"].StringValue(), id)
	}
}

package tlsres

import (
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"production-blueprint.invalid/standin-providers/internal/server"
)

func create(t *testing.T, s server.Spec, in resource.PropertyMap) resource.PropertyMap {
	t.Helper()
	if s.Defaults != nil {
		s.Defaults(in)
	}
	if f := s.Check(in); f != nil {
		t.Fatalf("%s: check failed: %v", s.Token, f)
	}
	_, out, err := s.Create(in)
	if err != nil {
		t.Fatalf("%s: %v", s.Token, err)
	}
	return out
}

// The chain the Elasticsearch component builds: a CA, a CSR, a node certificate signed by the CA, which
// must verify against the CA for server and client auth with its DNS name and IP.
func TestCertificateChainVerifies(t *testing.T) {
	caKey := create(t, privateKey, server.Outputs(map[string]any{"algorithm": "RSA", "rsaBits": 2048.0}))
	ca := create(t, selfSignedCert, server.Outputs(map[string]any{
		"privateKeyPem": caKey["privateKeyPem"].StringValue(), "isCaCertificate": true, "validityPeriodHours": 24.0,
		"allowedUses": []any{"cert_signing", "crl_signing"}, "subject": map[string]any{"commonName": "test-ca", "organization": "o"},
	}))
	nodeKey := create(t, privateKey, server.Outputs(map[string]any{"algorithm": "ECDSA", "ecdsaCurve": "P256"}))
	csr := create(t, certRequest, server.Outputs(map[string]any{
		"privateKeyPem": nodeKey["privateKeyPemPkcs8"].StringValue(), "subject": map[string]any{"commonName": "node"},
		"dnsNames": []any{"es.example.svc"}, "ipAddresses": []any{"127.0.0.1"},
	}))
	node := create(t, locallySignedCert, server.Outputs(map[string]any{
		"certRequestPem": csr["certRequestPem"].StringValue(), "caPrivateKeyPem": caKey["privateKeyPem"].StringValue(),
		"caCertPem": ca["certPem"].StringValue(), "validityPeriodHours": 12.0, "earlyRenewalHours": 1.0,
		"allowedUses": []any{"digital_signature", "key_encipherment", "server_auth", "client_auth"},
	}))
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM([]byte(ca["certPem"].StringValue())) {
		t.Fatal("the CA certificate does not parse")
	}
	block, _ := pem.Decode([]byte(node["certPem"].StringValue()))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"es.example.svc", "127.0.0.1"} {
		if _, err := cert.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("verify for %s: %v", name, err)
		}
	}
	if got := cert.NotAfter.Sub(cert.NotBefore); got != 12*time.Hour {
		t.Errorf("validity %v, want 12h", got)
	}
	if node["readyForRenewal"].BoolValue() {
		t.Error("a fresh certificate is not ready for renewal")
	}
	if node["caKeyAlgorithm"].StringValue() != "RSA" || csr["keyAlgorithm"].StringValue() != "ECDSA" {
		t.Errorf("key algorithms: ca %v, csr %v", node["caKeyAlgorithm"], csr["keyAlgorithm"])
	}
}

func TestRenewalWindowForcesReplacement(t *testing.T) {
	state := server.Outputs(map[string]any{"validityEndTime": time.Now().Add(30 * time.Minute).Format(time.RFC3339), "earlyRenewalHours": 1.0})
	if key, due := mustRenew(state); !due || key != "readyForRenewal" {
		t.Fatalf("a certificate inside its early-renewal window must be replaced, got %v %v", key, due)
	}
	state["earlyRenewalHours"] = resource.NewNumberProperty(0)
	if _, due := mustRenew(state); due {
		t.Fatal("a certificate outside its early-renewal window must be kept")
	}
}

func TestBadInputIsNamed(t *testing.T) {
	in := server.Outputs(map[string]any{"algorithm": "DSA"})
	privateKey.Defaults(in)
	if f := privateKey.Check(in); len(f) != 1 || f[0].Property != "algorithm" {
		t.Fatalf("want one failure naming algorithm, got %v", f)
	}
}

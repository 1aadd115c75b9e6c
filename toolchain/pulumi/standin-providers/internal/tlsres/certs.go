package tlsres

import (
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // see subjectKeyID
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"production-blueprint.invalid/standin-providers/internal/server"
)

var keyUsages = map[string]x509.KeyUsage{
	"digital_signature": x509.KeyUsageDigitalSignature, "content_commitment": x509.KeyUsageContentCommitment,
	"key_encipherment": x509.KeyUsageKeyEncipherment, "data_encipherment": x509.KeyUsageDataEncipherment,
	"key_agreement": x509.KeyUsageKeyAgreement, "cert_signing": x509.KeyUsageCertSign, "crl_signing": x509.KeyUsageCRLSign,
	"encipher_only": x509.KeyUsageEncipherOnly, "decipher_only": x509.KeyUsageDecipherOnly,
}

var extKeyUsages = map[string]x509.ExtKeyUsage{
	"any_extended": x509.ExtKeyUsageAny, "server_auth": x509.ExtKeyUsageServerAuth, "client_auth": x509.ExtKeyUsageClientAuth,
	"code_signing": x509.ExtKeyUsageCodeSigning, "email_protection": x509.ExtKeyUsageEmailProtection,
	"ipsec_end_system": x509.ExtKeyUsageIPSECEndSystem, "ipsec_tunnel": x509.ExtKeyUsageIPSECTunnel,
	"ipsec_user": x509.ExtKeyUsageIPSECUser, "timestamping": x509.ExtKeyUsageTimeStamping,
	"ocsp_signing": x509.ExtKeyUsageOCSPSigning, "microsoft_server_gated_crypto": x509.ExtKeyUsageMicrosoftServerGatedCrypto,
	"netscape_server_gated_crypto": x509.ExtKeyUsageNetscapeServerGatedCrypto,
}

// Inputs shared by both certificate resources; earlyRenewalHours is the one upstream updates in place.
var certInputs = []string{"allowedUses", "earlyRenewalHours", "isCaCertificate", "maxPathLength", "setSubjectKeyId", "validityPeriodHours"}
var certOutputs = []string{"certPem", "readyForRenewal", "validityEndTime", "validityStartTime"}

func certDefaults(in resource.PropertyMap) {
	server.SetDefault(in, "earlyRenewalHours", 0.0)
	server.SetDefault(in, "isCaCertificate", false)
	server.SetDefault(in, "setSubjectKeyId", false)
	server.SetDefault(in, "maxPathLength", 0.0)
}

func checkUses(in resource.PropertyMap) []server.Failure {
	if f := server.Required(in, "allowedUses", "validityPeriodHours"); f != nil {
		return f
	}
	for _, use := range server.Strings(in, "allowedUses") {
		if _, ok := keyUsages[use]; ok {
			continue
		}
		if _, ok := extKeyUsages[use]; !ok {
			return []server.Failure{{"allowedUses", fmt.Sprintf("unknown allowed use %q", use)}}
		}
	}
	if server.Int(in, "validityPeriodHours", 0) < 0 {
		return []server.Failure{{"validityPeriodHours", "validityPeriodHours must not be negative"}}
	}
	return nil
}

// template builds the certificate both resources sign: validity from now, the allowed uses, CA fields.
func template(in resource.PropertyMap) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	cert := &x509.Certificate{
		SerialNumber:          serial,
		NotBefore:             now,
		NotAfter:              now.Add(time.Duration(server.Int(in, "validityPeriodHours", 0)) * time.Hour),
		BasicConstraintsValid: true,
		IsCA:                  server.Bool(in, "isCaCertificate", false),
	}
	if cert.IsCA && server.Int(in, "maxPathLength", 0) > 0 {
		cert.MaxPathLen = server.Int(in, "maxPathLength", 0)
	} else if cert.IsCA {
		cert.MaxPathLenZero = false
		cert.MaxPathLen = -1
	}
	for _, use := range server.Strings(in, "allowedUses") {
		if ku, ok := keyUsages[use]; ok {
			cert.KeyUsage |= ku
		} else {
			cert.ExtKeyUsage = append(cert.ExtKeyUsage, extKeyUsages[use])
		}
	}
	return cert, nil
}

func subjectOf(in resource.PropertyMap) pkix.Name {
	s := server.Object(in, "subject")
	one := func(k string) []string {
		if v := server.Str(s, k, ""); v != "" {
			return []string{v}
		}
		return nil
	}
	return pkix.Name{
		CommonName: server.Str(s, "commonName", ""), SerialNumber: server.Str(s, "serialNumber", ""),
		Organization: one("organization"), OrganizationalUnit: one("organizationalUnit"),
		Country: one("country"), Province: one("province"), Locality: one("locality"),
		PostalCode: one("postalCode"), StreetAddress: server.Strings(s, "streetAddresses"),
	}
}

func sans(in resource.PropertyMap) ([]string, []net.IP, []*url.URL, error) {
	var ips []net.IP
	for _, text := range server.Strings(in, "ipAddresses") {
		ip := net.ParseIP(text)
		if ip == nil {
			return nil, nil, nil, fmt.Errorf("ipAddresses: %q is not an IP address", text)
		}
		ips = append(ips, ip)
	}
	var uris []*url.URL
	for _, text := range server.Strings(in, "uris") {
		u, err := url.Parse(text)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("uris: %w", err)
		}
		uris = append(uris, u)
	}
	return server.Strings(in, "dnsNames"), ips, uris, nil
}

// certOutputsOf renders a signed certificate's outputs; its id is the serial number, as upstream.
func certOutputsOf(der []byte, cert *x509.Certificate, in resource.PropertyMap, extra map[string]any) (string, resource.PropertyMap) {
	out := map[string]any{
		"certPem":           string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		"validityStartTime": cert.NotBefore.Format(time.RFC3339),
		"validityEndTime":   cert.NotAfter.Format(time.RFC3339),
	}
	for k, v := range extra {
		out[k] = v
	}
	props := server.Outputs(out)
	props["readyForRenewal"] = resource.NewBoolProperty(dueForRenewal(cert.NotAfter, server.Int(in, "earlyRenewalHours", 0)))
	return cert.SerialNumber.String(), props
}

func dueForRenewal(notAfter time.Time, earlyHours int) bool {
	return !time.Now().Before(notAfter.Add(-time.Duration(earlyHours) * time.Hour))
}

// refreshRenewal recomputes readyForRenewal on refresh; mustRenew then replaces the certificate, which is
// how upstream renews early.
func refreshRenewal(state resource.PropertyMap) resource.PropertyMap {
	end, err := time.Parse(time.RFC3339, server.Str(state, "validityEndTime", ""))
	if err == nil {
		state["readyForRenewal"] = resource.NewBoolProperty(dueForRenewal(end, server.Int(state, "earlyRenewalHours", 0)))
	}
	return state
}

func mustRenew(state resource.PropertyMap) (string, bool) {
	return "readyForRenewal", server.Bool(refreshRenewal(state.Copy()), "readyForRenewal", false)
}

var selfSignedCert = server.Spec{
	Token:   "tls:index/selfSignedCert:SelfSignedCert",
	Inputs:  append([]string{"dnsNames", "ipAddresses", "privateKeyPem", "privateKeyPemWo", "privateKeyPemWoVersion", "setAuthorityKeyId", "subject", "uris"}, certInputs...),
	Outputs: append([]string{"keyAlgorithm"}, certOutputs...),
	Secrets: []string{"privateKeyPem", "privateKeyPemWo"},
	InPlace: []string{"earlyRenewalHours"},
	Defaults: func(in resource.PropertyMap) {
		certDefaults(in)
		server.SetDefault(in, "setAuthorityKeyId", false)
	},
	Check: func(in resource.PropertyMap) []server.Failure {
		if f := server.Required(in, "privateKeyPem"); f != nil {
			return f
		}
		return checkUses(in)
	},
	Create: func(in resource.PropertyMap) (string, resource.PropertyMap, error) {
		key, algorithm, err := parseKey(server.Str(in, "privateKeyPem", ""))
		if err != nil {
			return "", nil, err
		}
		cert, err := template(in)
		if err != nil {
			return "", nil, err
		}
		cert.Subject = subjectOf(in)
		if cert.DNSNames, cert.IPAddresses, cert.URIs, err = sans(in); err != nil {
			return "", nil, err
		}
		if server.Bool(in, "setSubjectKeyId", false) || cert.IsCA {
			cert.SubjectKeyId = subjectKeyID(key.Public())
		}
		der, err := x509.CreateCertificate(rand.Reader, cert, cert, key.Public(), key)
		if err != nil {
			return "", nil, err
		}
		id, out := certOutputsOf(der, cert, in, map[string]any{"keyAlgorithm": algorithm})
		return id, out, nil
	},
	Refresh:     refreshRenewal,
	MustReplace: mustRenew,
}

var certRequest = server.Spec{
	Token:   "tls:index/certRequest:CertRequest",
	Inputs:  []string{"dnsNames", "ipAddresses", "privateKeyPem", "privateKeyPemWo", "privateKeyPemWoVersion", "subject", "uris"},
	Outputs: []string{"certRequestPem", "keyAlgorithm"},
	Secrets: []string{"privateKeyPem", "privateKeyPemWo"},
	Check: func(in resource.PropertyMap) []server.Failure {
		return server.Required(in, "privateKeyPem")
	},
	Create: func(in resource.PropertyMap) (string, resource.PropertyMap, error) {
		key, algorithm, err := parseKey(server.Str(in, "privateKeyPem", ""))
		if err != nil {
			return "", nil, err
		}
		req := &x509.CertificateRequest{Subject: subjectOf(in)}
		if req.DNSNames, req.IPAddresses, req.URIs, err = sans(in); err != nil {
			return "", nil, err
		}
		der, err := x509.CreateCertificateRequest(rand.Reader, req, key)
		if err != nil {
			return "", nil, err
		}
		return fingerprintID(der), server.Outputs(map[string]any{
			"certRequestPem": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})),
			"keyAlgorithm":   algorithm,
		}), nil
	},
}

var locallySignedCert = server.Spec{
	Token:    "tls:index/locallySignedCert:LocallySignedCert",
	Inputs:   append([]string{"caCertPem", "caPrivateKeyPem", "caPrivateKeyPemWo", "caPrivateKeyPemWoVersion", "certRequestPem"}, certInputs...),
	Outputs:  append([]string{"caKeyAlgorithm"}, certOutputs...),
	Secrets:  []string{"caPrivateKeyPem", "caPrivateKeyPemWo"},
	InPlace:  []string{"earlyRenewalHours"},
	Defaults: certDefaults,
	Check: func(in resource.PropertyMap) []server.Failure {
		if f := server.Required(in, "certRequestPem", "caPrivateKeyPem", "caCertPem"); f != nil {
			return f
		}
		return checkUses(in)
	},
	Create: func(in resource.PropertyMap) (string, resource.PropertyMap, error) {
		caKey, caAlgorithm, err := parseKey(server.Str(in, "caPrivateKeyPem", ""))
		if err != nil {
			return "", nil, fmt.Errorf("caPrivateKeyPem: %w", err)
		}
		ca, err := parseCert(server.Str(in, "caCertPem", ""))
		if err != nil {
			return "", nil, err
		}
		req, err := parseRequest(server.Str(in, "certRequestPem", ""))
		if err != nil {
			return "", nil, err
		}
		cert, err := template(in)
		if err != nil {
			return "", nil, err
		}
		cert.Subject, cert.DNSNames, cert.IPAddresses, cert.URIs = req.Subject, req.DNSNames, req.IPAddresses, req.URIs
		cert.AuthorityKeyId = ca.SubjectKeyId
		if server.Bool(in, "setSubjectKeyId", false) {
			cert.SubjectKeyId = subjectKeyID(req.PublicKey)
		}
		der, err := x509.CreateCertificate(rand.Reader, cert, ca, req.PublicKey, caKey)
		if err != nil {
			return "", nil, err
		}
		id, out := certOutputsOf(der, cert, in, map[string]any{"caKeyAlgorithm": caAlgorithm})
		return id, out, nil
	},
	Refresh:     refreshRenewal,
	MustReplace: mustRenew,
}

func parseCert(text string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("caCertPem is not a PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

func parseRequest(text string) (*x509.CertificateRequest, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return nil, errors.New("certRequestPem is not a PEM certificate request")
	}
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, err
	}
	return req, req.CheckSignature()
}

func subjectKeyID(pub any) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil
	}
	sum := sha1.Sum(der) //nolint:gosec // RFC 5280's method 1: SHA-1 of the public key, an identifier only
	return sum[:]
}

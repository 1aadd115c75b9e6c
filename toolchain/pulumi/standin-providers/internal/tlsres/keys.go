// Package tlsres implements the four resources of pulumi-tls this project uses, with real keys and
// certificates from crypto/x509 and the inputs, outputs and replace-on-change behaviour of the real
// provider.
package tlsres

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // upstream's id is the SHA-1 of the public key, an identifier only
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/ssh"

	"production-blueprint.invalid/standin-providers/internal/server"
)

// Specs are the resources the plugin serves.
var Specs = []server.Spec{privateKey, selfSignedCert, certRequest, locallySignedCert}

var curves = map[string]elliptic.Curve{"P224": elliptic.P224(), "P256": elliptic.P256(), "P384": elliptic.P384(), "P521": elliptic.P521()}

var privateKey = server.Spec{
	Token:   "tls:index/privateKey:PrivateKey",
	Inputs:  []string{"algorithm", "ecdsaCurve", "rsaBits"},
	Outputs: []string{"privateKeyOpenssh", "privateKeyPem", "privateKeyPemPkcs8", "publicKeyFingerprintMd5", "publicKeyFingerprintSha256", "publicKeyOpenssh", "publicKeyPem"},
	Secrets: []string{"privateKeyOpenssh", "privateKeyPem", "privateKeyPemPkcs8"},
	Defaults: func(in resource.PropertyMap) {
		server.SetDefault(in, "rsaBits", 2048.0)
		server.SetDefault(in, "ecdsaCurve", "P224")
	},
	Check: func(in resource.PropertyMap) []server.Failure {
		if f := server.Required(in, "algorithm"); f != nil {
			return f
		}
		switch server.Str(in, "algorithm", "") {
		case "RSA":
			if server.Int(in, "rsaBits", 0) < 1024 {
				return []server.Failure{{"rsaBits", "rsaBits must be at least 1024"}}
			}
		case "ECDSA":
			if _, ok := curves[server.Str(in, "ecdsaCurve", "")]; !ok {
				return []server.Failure{{"ecdsaCurve", "ecdsaCurve must be one of P224, P256, P384, P521"}}
			}
		case "ED25519":
		default:
			return []server.Failure{{"algorithm", "algorithm must be one of RSA, ECDSA, ED25519"}}
		}
		return nil
	},
	Create: func(in resource.PropertyMap) (string, resource.PropertyMap, error) {
		key, err := generateKey(in)
		if err != nil {
			return "", nil, err
		}
		return describeKey(key)
	},
}

func generateKey(in resource.PropertyMap) (crypto.Signer, error) {
	switch server.Str(in, "algorithm", "") {
	case "RSA":
		return rsa.GenerateKey(rand.Reader, server.Int(in, "rsaBits", 2048))
	case "ECDSA":
		return ecdsa.GenerateKey(curves[server.Str(in, "ecdsaCurve", "P224")], rand.Reader)
	default:
		_, key, err := ed25519.GenerateKey(rand.Reader)
		return key, err
	}
}

// describeKey renders every output of a PrivateKey; the id is the SHA-1 of the public key, as upstream.
func describeKey(key crypto.Signer) (string, resource.PropertyMap, error) {
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", nil, err
	}
	var legacy *pem.Block
	switch k := key.(type) {
	case *rsa.PrivateKey:
		legacy = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}
	case *ecdsa.PrivateKey:
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return "", nil, err
		}
		legacy = &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
	default:
		legacy = &pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return "", nil, err
	}
	out := map[string]any{
		"privateKeyPem":      string(pem.EncodeToMemory(legacy)),
		"privateKeyPemPkcs8": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})),
		"publicKeyPem":       string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})),
		// OpenSSH has no form for P224 keys: upstream leaves these outputs empty then.
		"privateKeyOpenssh": "", "publicKeyOpenssh": "", "publicKeyFingerprintMd5": "", "publicKeyFingerprintSha256": "",
	}
	if sshPub, err := ssh.NewPublicKey(key.Public()); err == nil {
		out["publicKeyOpenssh"] = string(ssh.MarshalAuthorizedKey(sshPub))
		out["publicKeyFingerprintMd5"] = ssh.FingerprintLegacyMD5(sshPub)
		out["publicKeyFingerprintSha256"] = ssh.FingerprintSHA256(sshPub)
		if block, err := ssh.MarshalPrivateKey(key, ""); err == nil {
			out["privateKeyOpenssh"] = string(pem.EncodeToMemory(block))
		}
	}
	sum := sha1.Sum(pub) //nolint:gosec // see import
	return hex.EncodeToString(sum[:]), server.Outputs(out), nil
}

// parseKey reads a private key PEM in any form describeKey writes (PKCS#1, SEC 1 or PKCS#8).
func parseKey(pemText string) (crypto.Signer, string, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, "", errors.New("the private key is not PEM")
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, "", fmt.Errorf("the private key does not parse: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, "", errors.New("the private key cannot sign")
	}
	return signer, algorithmOf(signer.Public()), nil
}

func algorithmOf(pub crypto.PublicKey) string {
	switch pub.(type) {
	case *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PublicKey:
		return "ECDSA"
	default:
		return "ED25519"
	}
}

// fingerprintID is a stable id for a CSR: the SHA-1 of its DER, hex, as upstream.
func fingerprintID(der []byte) string {
	sum := sha1.Sum(der) //nolint:gosec // see import
	return hex.EncodeToString(sum[:])
}

// Command pulumi-resource-tls is the project's stand-in for the tls provider plugin, installed only where
// the real plugin is absent (docs/toolchain.md, "Stand-in plugins").
package main

import (
	"production-blueprint.invalid/standin-providers/internal/server"
	"production-blueprint.invalid/standin-providers/internal/tlsres"
)

// version is set at link time to the version the npm SDK asks for (-X main.version=...).
var version = "0.0.0-dev"

func main() { server.Main("tls", version, tlsres.Specs) }

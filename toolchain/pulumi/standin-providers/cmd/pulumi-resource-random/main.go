// Command pulumi-resource-random is the project's stand-in for the random provider plugin, installed only
// where the real plugin is absent (docs/toolchain.md, "Stand-in plugins").
package main

import (
	"production-blueprint.invalid/standin-providers/internal/random"
	"production-blueprint.invalid/standin-providers/internal/server"
)

// version is set at link time to the version the npm SDK asks for (-X main.version=...).
var version = "0.0.0-dev"

func main() { server.Main("random", version, random.Specs) }

// An empty stand-in for k8s.io/sample-cli-plugin: the proxy refuses it and no package built here imports it.
module k8s.io/sample-cli-plugin

go 1.24.0

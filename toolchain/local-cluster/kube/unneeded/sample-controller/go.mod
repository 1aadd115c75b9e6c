// An empty stand-in for k8s.io/sample-controller: the proxy refuses it and no package built here imports it.
module k8s.io/sample-controller

go 1.24.0

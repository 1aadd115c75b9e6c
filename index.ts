import * as pulumi from "@pulumi/pulumi";
// The sources by file: the directory "./components" resolves through components/package.json to the built
// package (dist/), which may be stale or absent.
import { blueprint, parseConfig, readStackConfig } from "./components/index";

export = blueprint(parseConfig(readStackConfig(), pulumi.getStack()));

import * as pulumi from "@pulumi/pulumi";
import { blueprint, parseConfig, readStackConfig } from "./components";

export = blueprint(parseConfig(readStackConfig(), pulumi.getStack()));

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { freePort } from "./processes";

/** Debian's prometheus-alertmanager package names the server binary after the package. */
export const ALERTMANAGER_BINARY = ["prometheus-alertmanager", "alertmanager"].find((binary) => spawnSync(binary, ["--version"]).status === 0);

/** A real Alertmanager on 127.0.0.1 with a given config file; gossip off, state in its own directory. */
export class AlertmanagerProcess {
  private child?: ChildProcess;
  private output = "";
  url = "";

  constructor(private readonly configFile: string, private readonly dataDir: string) {}

  async start(): Promise<void> {
    if (!ALERTMANAGER_BINARY) throw new Error("Alertmanager is not installed: run toolchain/test-tools/install-alertmanager.sh");
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    fs.mkdirSync(this.dataDir, { recursive: true });
    this.child = spawn(
      ALERTMANAGER_BINARY,
      [`--config.file=${this.configFile}`, `--storage.path=${path.join(this.dataDir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    this.child.stdout?.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    const exited = new Promise<never>((_, reject) => this.child?.once("exit", (code) => reject(new Error(`alertmanager exited with ${code}:\n${this.output}`))));
    // Ready is an event, not a duration: poll /-/ready until it answers, or fail with its log if it exits.
    await Promise.race([exited, this.untilReady()]);
  }

  private async untilReady(): Promise<void> {
    for (;;) {
      try {
        if ((await fetch(`${this.url}/-/ready`)).ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  log(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
}

/**
 * A real Vault (built by toolchain/systems/install.sh) on 127.0.0.1 with file storage and TLS from a throwaway CA,
 * initialised with one unseal key. The root token and the unseal key stay in this object: they are never logged,
 * written to a file or put in an error message.
 */
import * as fs from "node:fs";
import { request } from "node:https";
import * as path from "node:path";
import type { TestCertificates } from "../../../app/test/support/test-ca";
import { programs } from "./programs";
import { type Processes, type Running, waitFor } from "./processes";

export interface VaultAnswer {
  status: number;
  body: Record<string, any>;
}

export class VaultServer {
  private rootToken = "";
  private unsealKey = "";
  private running: Running | undefined;
  private readonly configFile: string;

  constructor(
    private readonly processes: Processes,
    dir: string,
    private readonly certs: TestCertificates,
    readonly port: number,
  ) {
    this.configFile = path.join(dir, "vault.json");
    fs.writeFileSync(
      this.configFile,
      JSON.stringify({
        storage: { file: { path: path.join(dir, "storage") } },
        listener: [{ tcp: { address: `127.0.0.1:${port}`, tls_cert_file: certs.serverCertFile, tls_key_file: certs.serverKeyFile } }],
        api_addr: `https://127.0.0.1:${port}`,
        // No swap to keep from: mlock would only need a capability the test does not want to ask for.
        disable_mlock: true,
        ui: false,
      }),
    );
  }

  /** Starts the server; the first start initialises it. Either way it ends unsealed. */
  async start(): Promise<void> {
    this.running = this.processes.start("vault", programs.vault(), ["server", `-config=${this.configFile}`]);
    const health = await waitFor("Vault to listen", async () => (await this.api("GET", "sys/health")).body, { running: this.running });
    if (health.initialized !== true) {
      const init = await this.api("PUT", "sys/init", { secret_shares: 1, secret_threshold: 1 });
      if (init.status !== 200) throw new Error(`vault init: HTTP ${init.status}`);
      this.rootToken = init.body.root_token;
      this.unsealKey = init.body.keys_base64[0];
    }
    const unsealed = await this.api("PUT", "sys/unseal", { key: this.unsealKey });
    if (unsealed.body.sealed !== false) throw new Error(`vault unseal: HTTP ${unsealed.status}`);
    await waitFor("Vault to become active", async () => ((await this.api("GET", "sys/health")).status === 200 ? true : undefined), { running: this.running });
  }

  async stop(): Promise<void> {
    if (this.running) await this.processes.stop(this.running);
    this.running = undefined;
  }

  /** A call with the root token (the operator's part: applying the render, unlocking). */
  admin(method: string, apiPath: string, body?: unknown): Promise<VaultAnswer> {
    return this.api(method, apiPath, body, this.rootToken);
  }

  /** A call over TLS that trusts only the test CA, as the service does. */
  api(method: string, apiPath: string, body?: unknown, token?: string): Promise<VaultAnswer> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const call = request(
        {
          host: "127.0.0.1",
          port: this.port,
          method,
          path: `/v1/${apiPath}`,
          ca: this.certs.caCertPem,
          timeout: 10_000,
          headers: { ...(token ? { "x-vault-token": token } : {}), ...(payload ? { "content-type": "application/json" } : {}) },
        },
        (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text === "" ? {} : (JSON.parse(text) as Record<string, any>) }));
        },
      );
      call.on("timeout", () => call.destroy(new Error(`${method} /v1/${apiPath}: timed out`)));
      call.on("error", reject);
      call.end(payload);
    });
  }
}

/** Throws with Vault's own error strings (never a token) unless the answer is 2xx. */
export function expectOk(answer: VaultAnswer, what: string): VaultAnswer {
  if (answer.status < 200 || answer.status > 299) throw new Error(`${what}: HTTP ${answer.status}: ${JSON.stringify(answer.body.errors ?? [])}`);
  return answer;
}

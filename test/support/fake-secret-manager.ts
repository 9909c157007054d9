import { readFileSync } from 'node:fs';
import {
  Server,
  ServerCredentials,
  status,
  loadPackageDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';

/**
 * A local stand-in for Secret Manager: a real gRPC server speaking the real service definition
 * (the protos shipped with @google-cloud/secret-manager), so the real client library talks to
 * it exactly as to Google. Only AccessSecretVersion is implemented; that is all manifest uses.
 */
export class FakeSecretManager {
  /** Versions by name (`projects/P/secrets/S/versions/N`); `latest` is the highest N. */
  private readonly versions = new Map<string, string>();
  private readonly denied = new Set<string>();
  private readonly disabled = new Set<string>();
  private server: Server | undefined;
  /** Every version name asked for, in order. */
  readonly requests: string[] = [];
  /** Delay before each answer, and the most answers pending at once (to see parallel reads). */
  delayMs = 0;
  maxConcurrent = 0;
  /**
   * Holds every answer until this many requests are pending at once (then answers them all):
   * reads made in parallel all arrive; reads made one after another would wait for each other,
   * so after `holdLimitMs` (a bound only that breaks) the held ones are answered anyway.
   */
  holdUntilPending = 0;
  holdLimitMs = 20_000;
  private held: (() => void)[] = [];
  private concurrent = 0;
  endpoint = '';

  /** Adds a new version of a secret (rotation); returns its version number. */
  addVersion(project: string, secret: string, value: string): number {
    const prefix = `projects/${project}/secrets/${secret}/versions/`;
    const numbers = [...this.versions.keys()]
      .filter((k) => k.startsWith(prefix))
      .map((k) => Number(k.slice(prefix.length)));
    const next = Math.max(0, ...numbers) + 1;
    this.versions.set(`${prefix}${next}`, value);
    return next;
  }

  /**
   * Disables a version, as Terraform's `deletion_policy = "DISABLE"` does when it replaces it:
   * accessing it fails with FAILED_PRECONDITION. `latest` still means the most recently created
   * version (AccessSecretVersionRequest), enabled or not.
   */
  disableVersion(project: string, secret: string, version: number): void {
    this.disabled.add(`projects/${project}/secrets/${secret}/versions/${version}`);
  }

  /** Makes every access to a secret fail with PERMISSION_DENIED. */
  deny(project: string, secret: string): void {
    this.denied.add(`projects/${project}/secrets/${secret}`);
  }

  async start(): Promise<void> {
    const json = JSON.parse(
      readFileSync(
        require.resolve('@google-cloud/secret-manager/build/protos/protos.json'),
        'utf8',
      ),
    );
    const definition = loadPackageDefinition(
      fromJSON(json, { keepCase: false, longs: String, defaults: true }),
    ) as any;
    const service = definition.google.cloud.secretmanager.v1.SecretManagerService.service;
    this.server = new Server();
    this.server.addService(service, {
      accessSecretVersion: (
        call: { request: { name: string } },
        callback: (error: Partial<ServiceError> | null, value?: unknown) => void,
      ) => {
        this.requests.push(call.request.name);
        this.concurrent++;
        this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
        const answer = () => {
          this.concurrent--;
          const found = this.lookup(call.request.name);
          if ('error' in found) return callback(found.error);
          callback(null, { name: found.name, payload: { data: Buffer.from(found.value, 'utf8') } });
        };
        if (this.holdUntilPending > 0) {
          this.held.push(answer);
          const release = () => this.held.splice(0).forEach((held) => held());
          if (this.held.length >= this.holdUntilPending) release();
          else setTimeout(release, this.holdLimitMs).unref();
          return;
        }
        setTimeout(answer, this.delayMs);
      },
    });
    const port = await new Promise<number>((done, fail) =>
      this.server!.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? fail(error) : done(bound),
      ),
    );
    this.endpoint = `127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((done) =>
      this.server ? this.server.tryShutdown(() => done()) : done(),
    );
    this.server?.forceShutdown();
  }

  private lookup(name: string): { name: string; value: string } | { error: Partial<ServiceError> } {
    const match = /^(projects\/[^/]+\/secrets\/[^/]+)\/versions\/([^/]+)$/.exec(name);
    if (!match) return { error: { code: status.INVALID_ARGUMENT, details: `bad name ${name}` } };
    const [, secret, version] = match as unknown as [string, string, string];
    if (this.denied.has(secret)) {
      return {
        error: {
          code: status.PERMISSION_DENIED,
          details: `Permission 'secretmanager.versions.access' denied for resource '${name}'`,
        },
      };
    }
    let resolved = name;
    if (version === 'latest') {
      const numbers = [...this.versions.keys()]
        .filter((k) => k.startsWith(`${secret}/versions/`))
        .map((k) => Number(k.split('/').pop()));
      if (numbers.length > 0) resolved = `${secret}/versions/${Math.max(...numbers)}`;
    }
    if (this.disabled.has(resolved))
      return {
        error: {
          code: status.FAILED_PRECONDITION,
          details: `Secret Version [${resolved}] is in DISABLED state.`,
        },
      };
    const value = this.versions.get(resolved);
    if (value === undefined)
      return {
        error: {
          code: status.NOT_FOUND,
          details: `Secret [${name}] not found or has no versions.`,
        },
      };
    return { name: resolved, value };
  }
}

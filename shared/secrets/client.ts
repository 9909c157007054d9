import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';

/** One secret version read: its payload, and the version's own name (`latest` resolved to its number). */
export interface SecretVersion {
  name: string;
  value: string;
}

/** Reads one secret version; what the store needs from Secret Manager. */
export type SecretAccessor = (versionName: string) => Promise<SecretVersion>;

/**
 * An accessor on the real Secret Manager client, loaded on first use. `endpoint` (host:port)
 * points it at another server over plaintext gRPC: a local fake in tests.
 */
export function secretManagerAccessor(
  options: { endpoint?: string; timeoutMs?: number; projectId?: string } = {},
): SecretAccessor & {
  close(): Promise<void>;
} {
  let client: Promise<SecretManagerServiceClient> | undefined;
  const open = async () => {
    const { SecretManagerServiceClient } = await import('@google-cloud/secret-manager');
    if (!options.endpoint) return new SecretManagerServiceClient({ projectId: options.projectId });
    const { credentials } = await import('@grpc/grpc-js');
    const [host, port] = options.endpoint.split(':');
    return new SecretManagerServiceClient({
      projectId: options.projectId,
      apiEndpoint: host,
      port: Number(port),
      sslCreds: credentials.createInsecure(),
    });
  };
  const access = async (versionName: string) => {
    client ??= open();
    const [version] = await (
      await client
    ).accessSecretVersion(
      { name: versionName },
      { timeout: options.timeoutMs ?? 10_000, retry: null },
    );
    const data = version.payload?.data;
    if (data === undefined || data === null)
      throw new Error(`secret version ${versionName} has no payload`);
    return {
      name: version.name ?? versionName,
      value: typeof data === 'string' ? data : Buffer.from(data).toString('utf8'),
    };
  };
  return Object.assign(access, {
    close: async () => {
      if (client) await (await client).close();
      client = undefined;
    },
  });
}

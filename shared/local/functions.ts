import { resolve } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getTestServer } from '@google-cloud/functions-framework/testing';

/** A function of `functions/`, loaded and registered with functions-framework. */
export interface LoadedFunction {
  /** Its directory name, which is also its registered target and its URL path. */
  name: string;
  /** The request handler functions-framework built for it (body parsing, CloudEvent conversion, …). */
  handle: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * Loads each function's module (which registers it under its directory name) and asks
 * functions-framework for the server it would run it in, so requests go through exactly
 * the framework code they meet in the cloud.
 */
export async function loadFunctions(
  functionsDir: string,
  names: string[],
): Promise<LoadedFunction[]> {
  const loaded: LoadedFunction[] = [];
  for (const name of names) {
    await import(resolve(functionsDir, name));
    const server = getTestServer(name);
    const [handle] = server.listeners('request') as LoadedFunction['handle'][];
    if (!handle) throw new Error(`functions-framework built no request handler for ${name}`);
    loaded.push({ name, handle });
  }
  return loaded;
}

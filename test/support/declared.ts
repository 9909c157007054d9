import type { IncomingHttpHeaders } from 'node:http';
import { openApiDocument } from '../../shared/people/openapi';

/**
 * Whether an answer of the people function is one the OpenAPI document declares: its status
 * for the operation (method and path template), and every header it carried for that status.
 * Headers OpenAPI describes elsewhere or ignores (the media type, the framing) are left out.
 */

/** Content-Type is the response's media type; the rest is HTTP/1.1 framing. */
const NOT_DESCRIBED = new Set([
  'content-type',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'date',
]);

interface ResponseObject {
  $ref?: string;
  headers?: Record<string, { required?: boolean; $ref?: string }>;
}
type PathItem = Record<string, { responses?: Record<string, ResponseObject> }>;

const doc = openApiDocument as unknown as {
  paths: Record<string, PathItem>;
  components: {
    responses: Record<string, ResponseObject>;
    headers: Record<string, { required?: boolean }>;
  };
};

/** The path template a request target falls under, if the document has one. */
export function templateOf(target: string): string | undefined {
  const path = target.split('?')[0]!;
  const templates = Object.keys(doc.paths);
  return (
    templates.find((t) => t === path) ??
    templates.find((t) => new RegExp(`^${t.replace(/\{\w+\}/g, '[^/]+')}$`).test(path))
  );
}

/**
 * What the document does not declare of an answer: an empty list when it declares all of it.
 * A path outside the document may only answer 404 (or Node's 431).
 */
export function undeclared(
  method: string,
  target: string,
  status: number,
  headers: IncomingHttpHeaders | Headers,
): string[] {
  const template = templateOf(target);
  const where = `${method} ${template ?? target} ${status}`;
  if (!template) return [404, 431].includes(status) ? [] : [`${where}: path not in the document`];
  const operation = doc.paths[template]![method.toLowerCase()];
  if (!operation?.responses) return [`${where}: operation not in the document`];
  let response = operation.responses[String(status)];
  if (response?.$ref) response = doc.components.responses[response.$ref.split('/').pop()!];
  if (!response) return [`${where}: status not declared`];
  const declared = new Map(
    Object.entries(response.headers ?? {}).map(([name, header]) => [
      name.toLowerCase(),
      header.$ref ? doc.components.headers[header.$ref.split('/').pop()!]! : header,
    ]),
  );
  const sent = headerNames(headers);
  const problems = sent
    .filter((name) => !NOT_DESCRIBED.has(name) && !declared.has(name))
    .map((name) => `${where}: header ${name} not declared`);
  for (const [name, header] of declared)
    if (header.required && !sent.includes(name))
      problems.push(`${where}: required header ${name} not sent`);
  return problems;
}

function headerNames(headers: IncomingHttpHeaders | Headers): string[] {
  const names: string[] = [];
  if (headers instanceof Headers) headers.forEach((_value, name) => names.push(name));
  else names.push(...Object.keys(headers).map((name) => name.toLowerCase()));
  return names;
}

import { describeEachDatabase, useTestDatabase } from '../support/database-legs';
import { useFunction } from '../support/functions';
import { request } from '../support/http';
import { capturedLogs, clearCapturedLogs } from '../support/logs';

describeEachDatabase('request logs in Cloud Logging format, with LOG_REQUESTS=true', (leg) => {
  useTestDatabase(leg, { LOG_REQUESTS: 'true' });
  const base = useFunction('people');

  beforeEach(() => clearCapturedLogs());

  it('carries the trace id of a traceparent header', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await request(`${base()}/people?limit=1`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    const line = capturedLogs().find(
      (l) => (l.httpRequest as { requestUrl?: string })?.requestUrl === '/people?limit=1',
    );
    expect(line).toMatchObject({
      severity: 'INFO',
      'logging.googleapis.com/trace': `projects/demo-manifest/traces/${traceId}`,
      'logging.googleapis.com/spanId': '00f067aa0ba902b7',
      'logging.googleapis.com/trace_sampled': true,
      httpRequest: { requestMethod: 'GET', status: 200 },
    });
    expect(typeof line!.message).toBe('string');
  });

  it('carries the trace id of an X-Cloud-Trace-Context header', async () => {
    const traceId = '105445aa7843bc8bf206b12000100000';
    await request(`${base()}/people/not-a-uuid`, {
      headers: { 'x-cloud-trace-context': `${traceId}/1;o=1` },
    });
    const line = capturedLogs().find(
      (l) => l['logging.googleapis.com/trace'] === `projects/demo-manifest/traces/${traceId}`,
    );
    expect(line).toMatchObject({ severity: 'WARNING', httpRequest: { status: 400 } });
  });
});

describeEachDatabase('request logs off by default (Cloud Run logs every request)', (leg) => {
  useTestDatabase(leg);
  const base = useFunction('people');

  beforeEach(() => clearCapturedLogs());

  it('writes no line for a request answered 200 or 400', async () => {
    expect((await request(`${base()}/people?limit=1`)).status).toBe(200);
    expect((await request(`${base()}/people/not-a-uuid`)).status).toBe(400);
    expect(capturedLogs().filter((l) => 'httpRequest' in l)).toEqual([]);
  });
});

import {
  cloudLoggingTrace,
  formatTraceparent,
  newTrace,
  parseCloudTraceContext,
  parseTraceparent,
  traceFromHeaders,
} from '../../shared/logging/trace';

describe('trace context', () => {
  it('parses a W3C traceparent', () => {
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      sampled: true,
    });
  });

  it.each([
    undefined,
    '',
    'garbage',
    '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
  ])('refuses the traceparent %p', (value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('parses X-Cloud-Trace-Context, converting the decimal span id', () => {
    expect(parseCloudTraceContext('105445AA7843BC8BF206B12000100000/1;o=1')).toEqual({
      traceId: '105445aa7843bc8bf206b12000100000',
      spanId: '0000000000000001',
      sampled: true,
    });
    expect(
      parseCloudTraceContext('105445aa7843bc8bf206b12000100000/99999999999999999999'),
    ).toBeUndefined();
  });

  it('prefers traceparent over X-Cloud-Trace-Context', () => {
    const trace = traceFromHeaders({
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00',
      'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1',
    });
    expect(trace?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('makes new traces that format and parse back', () => {
    const trace = newTrace();
    expect(parseTraceparent(formatTraceparent(trace))).toEqual(trace);
    expect(cloudLoggingTrace('p', trace)).toBe(`projects/p/traces/${trace.traceId}`);
  });
});

export {
  logger,
  logContextFields,
  withLogContext,
  currentLogContext,
  setLogSink,
  setLogFormat,
  logsToTerminal,
  type LogContext,
} from './logger';
export { defaultLogFormat, type LogFormat } from './format';
export { registerSecret, redact } from './redaction';
export * from './trace';

export {
  logger,
  logContextFields,
  withLogContext,
  currentLogContext,
  setLogSink,
  type LogContext,
} from './logger';
export { registerSecret, redact } from './redaction';
export * from './trace';

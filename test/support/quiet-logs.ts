// Log lines go to a buffer during tests (not to jest's output); tests read them with capturedLogs().
import { setLogSink } from '../../shared/logging';
import { logBuffer } from './logs';

setLogSink(logBuffer);

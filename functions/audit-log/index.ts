// Appends every event to audit_log (push subscription). Wiring only; behaviour is in shared/audit.
import { cloudEvent } from '@google-cloud/functions-framework';
import { auditLogRouter } from '../../shared/audit/consumer';
import { eventConsumer } from '../../shared/events/consumer';
import { eventFunction } from '../../shared/http/event-function';

cloudEvent('audit-log', eventFunction(eventConsumer(auditLogRouter)));

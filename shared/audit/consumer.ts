import { EventRouter } from '../events/router';

/**
 * The audit-log consumer: every event, once, in `audit_log`: who (actor), what (type, subject,
 * the whole envelope), when (occurred_at), and the trace id that ties it to the request.
 */
export const auditLogRouter = new EventRouter('audit-log').project(
  '#',
  (event, { messageId, traceId }) => ({
    sql: `INSERT INTO audit_log (event_id, type, subject, actor, occurred_at, trace_id, message_id, payload)
     SELECT ?, ?, ?, ?, ?, ?, ?, ?::jsonb
     WHERE EXISTS (SELECT 1 FROM new_delivery)
     ON CONFLICT (event_id) DO NOTHING`,
    bindings: [
      event.id,
      event.type,
      event.subject,
      event.actor,
      event.time,
      traceId ?? null,
      messageId,
      JSON.stringify(event),
    ],
  }),
);

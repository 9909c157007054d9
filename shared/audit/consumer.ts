import { EventRouter } from '../events/router';

/**
 * The audit-log consumer: every event, once, in `audit_log`: who (actor), what (type, subject,
 * the whole envelope), when (occurred_at), and the trace id that ties it to the request.
 */
export const auditLogRouter = new EventRouter('audit-log').on(
  '#',
  async (event, { trx, messageId, traceId }) => {
    await trx('audit_log')
      .insert({
        event_id: event.id,
        type: event.type,
        subject: event.subject,
        actor: event.actor,
        occurred_at: event.time,
        trace_id: traceId ?? null,
        message_id: messageId,
        payload: JSON.stringify(event),
      })
      .onConflict('event_id')
      .ignore();
  },
);

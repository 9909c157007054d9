import { html, page, type SafeHtml } from '../http/html';
import type { PushSubscriptionSpec } from '../events/subscriptions';
import type { ConsoleState } from './console-data';

/** Everything the console page shows besides the database's state. */
export interface ConsoleContext {
  /** The gateway's origin as the browser reached it, e.g. `http://localhost:8080`. */
  origin: string;
  functions: { name: string; kind: 'http' | 'event' }[];
  subscriptions: PushSubscriptionSpec[];
  /** How events travel: the in-process bus, or the emulator at host:port. */
  delivery: string;
  database: string;
  /** Whether dead letters can be replayed from here (the redrive exists). */
  replay: boolean;
  /** A line to show at the top, after an action (e.g. a replay). */
  notice?: string;
}

/** The local console: the stack's functions, events, deliveries, outbox and dead letters. */
export function consolePage(context: ConsoleContext, state: ConsoleState): SafeHtml {
  return page(
    'Local console',
    html`<h1>manifest, local console</h1>
      <p>Events go through ${context.delivery}; the database is ${context.database}.</p>
      ${context.notice ? html`<p role="status">${context.notice}</p>` : ''}
      <nav>
        <a href="/people">People</a> · <a href="/stats">Statistics</a> ·
        <a href="/people/openapi.json">OpenAPI document</a> ·
        <a href="/asyncapi.json">AsyncAPI document</a> · <a href="/ui">API explorer</a>
      </nav>
      ${functionsSection(context)} ${eventsSection(state)} ${outboxSection(state)}
      ${deadLettersSection(context, state)} ${subscriptionsSection(context)}`,
  );
}

function functionsSection(context: ConsoleContext): SafeHtml {
  return html`<section id="functions">
    <h2>Functions</h2>
    <table>
      <thead>
        <tr>
          <th>Function</th>
          <th>Kind</th>
          <th>URL</th>
        </tr>
      </thead>
      <tbody>
        ${context.functions.map(
          (fn) =>
            html`<tr>
              <td>${fn.name}</td>
              <td>${fn.kind === 'http' ? 'HTTP' : 'Pub/Sub push'}</td>
              <td>
                ${
                  fn.kind === 'http'
                    ? html`<a href="/${fn.name}">${context.origin}/${fn.name}</a>`
                    : html`${context.origin}/${fn.name}`
                }
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

function eventsSection(state: ConsoleState): SafeHtml {
  const rows = state.events.map(
    (event) =>
      html`<tr data-event="${event.eventId}">
        <td>${event.type}</td>
        <td>${event.subject}</td>
        <td>${event.time}</td>
        <td>${event.sentAt ? 'published' : 'pending'}</td>
        <td>
          <ul>
            ${event.deliveries.map((d) =>
              !('outcome' in d)
                ? html`<li data-consumer="${d.consumer}">${d.consumer}: not delivered yet</li>`
                : html`<li data-consumer="${d.consumer}">
                    ${d.consumer}: ${d.outcome}, ${d.attempts}
                    ${d.attempts === 1 ? 'attempt' : 'attempts'}, ${d.latencyMs.toFixed(1)} ms
                  </li>`,
            )}
          </ul>
        </td>
      </tr>`,
  );
  return html`<section id="events">
    <h2>Latest events</h2>
    <table>
      <thead>
        <tr>
          <th>Type</th>
          <th>Subject</th>
          <th>Time</th>
          <th>Outbox</th>
          <th>Deliveries (outcome, attempts, latency of the last)</th>
        </tr>
      </thead>
      <tbody>
        ${rows.length > 0 ? rows : html`<tr><td colspan="5">No events yet.</td></tr>`}
      </tbody>
    </table>
  </section>`;
}

function outboxSection(state: ConsoleState): SafeHtml {
  return html`<section id="outbox">
    <h2>Outbox: ${state.pendingCount} pending</h2>
    ${
      state.pending.length === 0
        ? html`<p>Every event has been published.</p>`
        : html`<table>
          <thead>
            <tr>
              <th>Row</th>
              <th>Event</th>
              <th>Type</th>
              <th>Attempts</th>
              <th>Next attempt</th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            ${state.pending.map(
              (row) =>
                html`<tr>
                  <td class="n">${row.id}</td>
                  <td>${row.eventId}</td>
                  <td>${row.type}</td>
                  <td class="n">${row.attempts}</td>
                  <td>${row.nextAttemptAt}</td>
                  <td>${row.lastError}</td>
                </tr>`,
            )}
          </tbody>
        </table>`
    }
  </section>`;
}

function deadLettersSection(context: ConsoleContext, state: ConsoleState): SafeHtml {
  const replay = (id: string) =>
    context.replay
      ? html`<form method="post" action="/_local/dead-letters/${id}/replay">
          <button type="submit">Replay</button>
        </form>`
      : html`<button type="button" disabled>Replay</button>`;
  return html`<section id="dead-letters">
    <h2>Dead letters: ${state.deadLetterCount}</h2>
    ${
      context.replay
        ? ''
        : html`<p>
          Replay is not there in this stack (no dead-letter redrive is wired): the button is
          disabled.
        </p>`
    }
    ${
      state.deadLetters.length === 0
        ? html`<p>No dead letters.</p>`
        : html`<table>
          <thead>
            <tr>
              <th>Id</th>
              <th>Consumer</th>
              <th>Event</th>
              <th>Reason</th>
              <th>Received</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${state.deadLetters.map(
              (row) =>
                html`<tr data-dead-letter="${row.id}">
                  <td class="n">${row.id}</td>
                  <td>${row.consumer}</td>
                  <td>${row.eventId}</td>
                  <td>${row.reason}</td>
                  <td>${row.receivedAt}</td>
                  <td>${replay(row.id)}</td>
                </tr>`,
            )}
          </tbody>
        </table>`
    }
  </section>`;
}

function subscriptionsSection(context: ConsoleContext): SafeHtml {
  return html`<section id="subscriptions">
    <h2>Push subscriptions</h2>
    <table>
      <thead>
        <tr>
          <th>Subscription</th>
          <th>Topic</th>
          <th>Pushes to</th>
          <th>Filter</th>
          <th>Retry</th>
          <th>Dead letter</th>
        </tr>
      </thead>
      <tbody>
        ${context.subscriptions.map(
          (s) =>
            html`<tr>
              <td>${s.name}</td>
              <td>${s.topic}</td>
              <td>${s.function}</td>
              <td><code>${s.filter || '(every message)'}</code></td>
              <td>${s.minimumBackoffSeconds}–${s.maximumBackoffSeconds} s backoff</td>
              <td>after ${s.maxDeliveryAttempts} attempts, to ${s.deadLetterTopic}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

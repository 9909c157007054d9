// Keeps the passenger_stats read model current from person events (push subscription).
// Wiring only; behaviour is in shared/stats and shared/events.
import { cloudEvent } from '@google-cloud/functions-framework';
import { eventConsumer } from '../../shared/events/consumer';
import { eventFunction } from '../../shared/http/event-function';
import { projectStatsRouter } from '../../shared/stats/consumer';

cloudEvent('project-stats', eventFunction(eventConsumer(projectStatsRouter)));

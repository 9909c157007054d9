// Publishes outbox rows the fast path missed, on each scheduler tick. Wiring only.
import { cloudEvent } from '@google-cloud/functions-framework';
import { relayOnTick } from '../../shared/events/relay';
import { eventFunction } from '../../shared/http/event-function';

cloudEvent('relay-outbox', eventFunction(relayOnTick));

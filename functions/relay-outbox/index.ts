// Publishes outbox rows the fast path missed, on each scheduler tick. Wiring only.
import { cloudEvent } from '@google-cloud/functions-framework';
import { relayOnTick } from '../../shared/events/relay';

cloudEvent('relay-outbox', relayOnTick());

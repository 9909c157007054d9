// Serves the passenger_stats read model as JSON and as an HTML chart. Wiring only.
import { http } from '@google-cloud/functions-framework';
import { httpFunction } from '../../shared/http/app';
import { statsRoutes } from '../../shared/stats/http';

http('stats', httpFunction('stats', statsRoutes()));

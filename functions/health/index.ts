// Health of the database and its schema, for pollers. Wiring only; behaviour is in shared/health.
import { http } from '@google-cloud/functions-framework';
import { httpFunction } from '../../shared/http/app';
import { healthRoutes } from '../../shared/health/http';

// Open: load balancers and operators poll it without a key.
http('health', httpFunction('health', healthRoutes(), { open: true }));

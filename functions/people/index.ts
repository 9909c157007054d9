// The people API: CRUD over the passenger manifest. Wiring only; behaviour is in shared/people.
import { http } from '@google-cloud/functions-framework';
import { httpFunction } from '../../shared/http/app';
import { peopleRoutes } from '../../shared/people/http';

http('people', httpFunction('people', peopleRoutes()));

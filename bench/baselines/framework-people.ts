// The people baseline under the stock functions-framework: the ceiling for any function
// deployed on it (its own Express pipeline, body parsers and per-request domain included).
// Like our functions, it leaves the framework's domain before any I/O.
import { http } from '@google-cloud/functions-framework';
import { leaveFrameworkDomain } from '../../shared/runtime/framework-domain';
import { peopleHandler } from './people-handler';

http('people', (req, res) => {
  const left = leaveFrameworkDomain();
  if (left) void left.then(() => peopleHandler(req, res));
  else peopleHandler(req, res);
});

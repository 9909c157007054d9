// The local stack: every function in functions/ on one port, on the embedded database by
// default. `npm start` runs this; `npm run dev` runs it under `tsx watch`.
import { startLocalStack } from '../shared/local/stack';

// A line per request, unless LOG_REQUESTS says otherwise: in the cloud Cloud Run writes the
// request log (so functions default to none); locally nothing else would.
process.env.LOG_REQUESTS ??= 'true';

startLocalStack().catch(() => process.exit(1));

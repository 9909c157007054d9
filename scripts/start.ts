// The local stack: every function in functions/ on one port, on the embedded database by
// default. `npm start` runs this; `npm run dev` runs it under `tsx watch`.
import { startLocalStack } from '../shared/local/stack';

startLocalStack().catch(() => process.exit(1));

import { EventRouter } from '../events/router';
import { personDelta, recompute } from './projection';

/** The project-stats consumer: keeps passenger_stats current from person events. */
export const projectStatsRouter = new EventRouter('project-stats')
  .project('person.*', personDelta)
  .on('people.imported', async (_event, { trx }) => {
    await recompute(trx, projectStatsRouter.consumer);
  });

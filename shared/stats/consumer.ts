import { EventRouter } from '../events/router';
import { applyCreated, applyDeleted, applyUpdated, recompute } from './projection';

/** The project-stats consumer: keeps passenger_stats current from person events. */
export const projectStatsRouter = new EventRouter('project-stats')
  .on('person.*', async (event, { trx }) => {
    if (event.type === 'person.created') await applyCreated(trx, event);
    else if (event.type === 'person.updated') await applyUpdated(trx, event);
    else if (event.type === 'person.deleted') await applyDeleted(trx, event);
  })
  .on('people.imported', async (_event, { trx }) => {
    await recompute(trx, projectStatsRouter.consumer);
  });

import { EventRouter } from '../events/router';
import { personDelta, recompute } from './projection';

/** The project-stats consumer: keeps passenger_stats current from person events. */
export const projectStatsRouter = new EventRouter('project-stats')
  .project('person.*', (event) => {
    if (
      event.type !== 'person.created' &&
      event.type !== 'person.updated' &&
      event.type !== 'person.deleted'
    )
      throw new Error(`project-stats has no projection for ${event.type}`);
    return personDelta(event);
  })
  .on('people.imported', async (_event, { trx }) => {
    await recompute(trx, projectStatsRouter.consumer);
  });

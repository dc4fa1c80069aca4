import type { RateBudget } from '../rate/rate-budget.js';
import type { Lane } from '../rate/waiter-queue.js';
import type { Reaper, ReapOptions, ReapSummary } from './types.js';

/** A budget with priority lanes (a {@link SharedRateBudget}). */
export interface LanedBudget extends RateBudget {
  lane(lane: Lane): RateBudget;
}

/**
 * The lane of a run: a webhook destroy, or a destroy of named sessions
 * (`userIds`, e.g. `car-reaper destroy`), has someone waiting on it and
 * goes first; a sweep of the table (schedule, or a manual `reap`) is bulk.
 */
export function laneOf(options: Pick<ReapOptions, 'trigger' | 'userIds'>): Lane {
  return options.trigger === 'webhook' || options.userIds !== undefined ? 'priority' : 'bulk';
}

/**
 * One Reaper over two engines built on the two lanes of one budget, each
 * run going to the engine of its lane. The engine's RateBudget port has no
 * notion of who takes a token, so the lane is chosen per engine.
 */
export function routeReapsByLane(
  budget: LanedBudget,
  build: (budget: RateBudget) => Reaper,
): Reaper {
  const engines: Record<Lane, Reaper> = {
    priority: build(budget.lane('priority')),
    bulk: build(budget.lane('bulk')),
  };
  return {
    reap: (options: ReapOptions): Promise<ReapSummary> => engines[laneOf(options)].reap(options),
  };
}

import { repositoryOf, type TaskRunner } from './task-context.js';

/** Activation: create the WE's repository in its bucket. */
export const initRepository: TaskRunner<'init-repository'> = async (ctx, p) => {
  const { repositoryId } = await ctx.engine.init(await repositoryOf(ctx, p.weId));
  return { repositoryId };
};

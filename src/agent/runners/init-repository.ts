import { payloadString, repositoryOf, type TaskRunner } from './task-context.js';

/** Activation: create the WE's repository in its bucket. */
export const initRepository: TaskRunner = async (ctx) => {
  const weId = payloadString(ctx.task, 'weId');
  const repo = await repositoryOf(ctx, weId);
  const { repositoryId } = await ctx.engine.init(repo);
  return { repositoryId };
};

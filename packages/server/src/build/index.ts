/** Template builds from the Dockerfile subset (FROM, RUN, COPY, ENV, WORKDIR, USER), run in a build sandbox. */
export type { BuildLogEntry, BuildRecord, BuildStatus } from './build-registry.js';
export { buildHash } from './build-runner.js';
export {
  type BuildBase,
  type BuildStep,
  expandEnv,
  parseSteps,
  resolveBase,
  type TemplateStepWire,
  templateStepSchema,
} from './build-steps.js';
export { createTemplateBuilds, type TemplateBuilds, type TemplateSummary } from './template-builds.js';

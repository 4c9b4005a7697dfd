/**
 * Templates: read-only root filesystems that sandboxes use as their overlay lower dir,
 * built from recipes (Debian bootstrap + packages + setup script) and cached by hash.
 */
export {
  TemplateBuildError,
  TemplateError,
  type TemplateErrorCode,
  TemplateInUseError,
  TemplateNotFoundError,
} from './errors.js';
export {
  createProgressRenderer,
  formatProgress,
  type ProgressRendererOptions,
  renderTemplateProgress,
  type TemplateBuildPhase,
  type TemplateBuildProgress,
  type TemplateProgressListener,
} from './progress.js';
export { RECIPES, type TemplateRecipe } from './recipe.js';
export {
  createTemplateCatalog,
  isTemplateName,
  type TemplateCatalog,
  type TemplateCatalogOptions,
  type TemplateRef,
  templateNameOfDir,
} from './template-catalog.js';
export type { TemplateConfig } from './template-metadata.js';
export {
  createTemplateStore,
  type TemplateLogger,
  type TemplateMetadata,
  type TemplateRootfs,
  type TemplateStore,
  type TemplateStoreOptions,
} from './template-store.js';

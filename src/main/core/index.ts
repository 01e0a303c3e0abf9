// The engine's public surface: what the shells (desktop app, library process, CLI, serve) and the shared service
// layer may use. Everything else in core/ is internal; the lint rule in eslint.config.js makes shells import from
// here only (tests may also reach the testing helpers in core/testing/).
export { Library, readLibraryMetaFile } from './library/library.js';
export type { IndexOptions, LibraryEvents, LibraryOptions, WatchOptions } from './library/library.js';
export type { LibraryMeta, RootMeta } from './library/library-meta.js';
export { SoutuError, errorCode } from './errors.js';
export type { SoutuErrorCode } from './errors.js';
export { ModelService } from './models/model-service.js';
export type { DownloadProgress, DownloadRequest, EnsureRequest, LibraryModelRecord, ModelListing, ModelServiceOptions, ResolvedModel } from './models/model-service.js';
export { precisionPlan } from './embed/model-catalog.js';
export type { CatalogModel, PrecisionPlan, PrecisionSetting } from './embed/model-catalog.js';
export { recordedPrecision } from './library/model-session.js';
export { proxyAwareFetch, proxySettings } from './models/proxy.js';
export type { Environment, ProxySettings } from './models/proxy.js';
export { writeFileAtomically, writeJsonAtomically } from './fs/atomic-file.js';
export type { AtomicWriteOptions } from './fs/atomic-file.js';
export { BROWSER_FORMATS, IMAGE_MIME, openImage } from './decode/open-image.js';
export type { OpenedImage } from './decode/open-image.js';
export { sniffImageFormat } from './decode/sniff.js';
export type { SniffedFormat } from './decode/sniff.js';
export { decodeHeicRgba } from './decode/heic-fallback.js';
export { photoId } from './index/index-pipeline.js';
export { DEFAULT_TAG_MARGIN } from './tags/tagger.js';
export { readTextInFile } from './ocr/read-file-text.js';
export type { OcrLine } from './ocr/ocr-engine.js';
export { checkRoot, rootRefusal } from './library/root-policy.js';
export { sniffVideoFormat } from './video/index.js';
export { hostPlatform, isInside } from './fs/paths.js';
export type { PathPlatform } from './fs/paths.js';

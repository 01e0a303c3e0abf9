// Public surface of decode/: one sharp decode per file gives the model tensor, a thumbnail and metadata;
// a file that cannot be used becomes a typed DecodeFailure instead of an exception.
export { decodePhoto } from './decode-photo';
export type { DecodedPhoto, DecodeOptions, DecodeResult, PhotoMeta } from './decode-photo';
export type { DecodeErrorCode, DecodeFailure } from './errors';
export { preprocessSpecFromConfig, specResizeSize } from './preprocess-spec';
export type { PreprocessSpec, ResampleMethod } from './preprocess-spec';
export { IMAGE_EXTENSIONS, sniffImageFormat } from './sniff';
export type { SniffedFormat } from './sniff';

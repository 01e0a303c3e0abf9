// Public surface of video/: probe a video, sample its moments through the photo tensor path, fingerprint it for
// duplicates, make playable previews, pair Live Photos; ffmpeg runs bounded and is reaped after a crash.
export { ffmpegBinaries, FfmpegUnavailableError, unpackedAsarPath } from './ffmpeg-binaries.js';
export type { FfmpegBinaries } from './ffmpeg-binaries.js';
export { DEFAULT_MEMORY_BYTES, killAllMediaProcesses, reapOrphans } from './media-process.js';
export { probeVideo } from './video-probe.js';
export type { ProbeOptions, VideoProbe } from './video-probe.js';
export { sampleVideo } from './frame-sampler.js';
export type { FrameReason, SampledFrame, SampleOptions, SampleStats, VideoPoster, VideoSample } from './frame-sampler.js';
export { compareSignatures, videoSignature } from './video-signature.js';
export type { SignatureMatch, SignatureOptions, VideoSignature } from './video-signature.js';
export { browserPlayable, previewFor } from './video-preview.js';
export type { PlaybackSupport, Preview, PreviewOptions } from './video-preview.js';
export { LIVE_PHOTO_MAX_S, pairLivePhotos } from './live-photo.js';
export type { FolderFile, LivePhotoPair } from './live-photo.js';
export { sniffVideoFormat, VIDEO_EXTENSIONS, VIDEO_SNIFF_BYTES } from './video-sniff.js';
export type { SniffedVideo } from './video-sniff.js';
export type { VideoErrorCode, VideoFailure, VideoResult } from './video-errors.js';

// The preprocessor_config.json files the generated models ship with: OpenAI CLIP's and Chinese-CLIP's, as on the hub,
// so test models resize, crop and normalise images exactly as the real downloads make transformers.js do.
export const CLIP_IMAGE_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_IMAGE_STD = [0.26862954, 0.26130258, 0.27577711] as const;

export const CLIP_PREPROCESSOR_CONFIG = {
  image_processor_type: 'CLIPImageProcessor',
  feature_extractor_type: 'CLIPFeatureExtractor',
  do_resize: true,
  size: { shortest_edge: 224 },
  resample: 3,
  do_center_crop: true,
  crop_size: { height: 224, width: 224 },
  do_rescale: true,
  rescale_factor: 0.00392156862745098,
  do_normalize: true,
  image_mean: [...CLIP_IMAGE_MEAN],
  image_std: [...CLIP_IMAGE_STD],
  do_convert_rgb: true,
};

/** OFA-Sys/chinese-clip-vit-base-patch16's preprocessor_config.json: a plain 224×224 bicubic resize, no crop. */
export const CHINESE_CLIP_PREPROCESSOR_CONFIG = {
  do_center_crop: false,
  do_normalize: true,
  do_resize: true,
  feature_extractor_type: 'ChineseCLIPFeatureExtractor',
  image_mean: [...CLIP_IMAGE_MEAN],
  image_std: [...CLIP_IMAGE_STD],
  resample: 3,
  size: { height: 224, width: 224 },
};

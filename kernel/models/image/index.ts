// Images for vision-language models: decoding, PIL-exact resizing, and image processors.
export { RawImage, type ImageMode, type ResizeOptions } from "./raw_image.js";
export { load_image, type ImageSource } from "./load_image.js";
export { resample, Resampling, type ResamplingFilter, type Pixels } from "./resample.js";
export { ImageProcessor, get_image_processor_dict, IMAGE_PROCESSOR_NAME, type ImageInput, type ImageFeatures } from "./image_processor.js";
export {
  BlipImageProcessor, OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, type BlipImageProcessorConfig, type BlipPreprocessOptions,
} from "./blip_image_processor.js";
export { AutoImageProcessor } from "./auto_image_processor.js";

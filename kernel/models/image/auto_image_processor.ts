// transformers' AutoImageProcessor: the class named by preprocessor_config.json's
// image_processor_type (or, in configs older than image processors, feature_extractor_type).
import type { HubOptions } from "../hub/index.js";
import { BlipImageProcessor } from "./blip_image_processor.js";
import { get_image_processor_dict, IMAGE_PROCESSOR_NAME } from "./image_processor.js";

const IMAGE_PROCESSORS: Record<string, typeof BlipImageProcessor> = { BlipImageProcessor };

export class AutoImageProcessor {
  static async from_pretrained(path_or_repo_id: string, o: HubOptions & Record<string, unknown> = {}): Promise<BlipImageProcessor> {
    const config = await get_image_processor_dict(path_or_repo_id, o);
    const feature_extractor = config.feature_extractor_type;
    const type = config.image_processor_type ??
      (typeof feature_extractor === "string" ? feature_extractor.replace("FeatureExtractor", "ImageProcessor") : undefined);
    if (type === undefined) {
      throw new Error(`${IMAGE_PROCESSOR_NAME} of ${path_or_repo_id} names no image_processor_type; load it with the processor class itself (e.g. BlipImageProcessor.from_pretrained)`);
    }
    const cls = typeof type === "string" ? IMAGE_PROCESSORS[type] : undefined;
    if (!cls) {
      throw new Error(`${IMAGE_PROCESSOR_NAME} of ${path_or_repo_id}: image processor ${JSON.stringify(type)} is not supported (supported: ${Object.keys(IMAGE_PROCESSORS).join(", ")})`);
    }
    return cls.from_pretrained(path_or_repo_id, o);
  }
}

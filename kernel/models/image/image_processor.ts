// What every image processor shares with transformers' BaseImageProcessor: built from
// preprocessor_config.json (found through the hub contract), keyword overrides with the same
// snake_case names, and a callable instance, `processor(images)`, as in transformers.js.
import { readFileSync } from "node:fs";
import { Callable } from "../../nn/module.js";
import { cached_file, type HubOptions } from "../hub/index.js";
import type { Tensor } from "../../tensor/tensor.js";
import { load_image, type ImageSource } from "./load_image.js";
import { RawImage } from "./raw_image.js";

export const IMAGE_PROCESSOR_NAME = "preprocessor_config.json";

/** One image or a batch of them, each anything load_image reads. */
export type ImageInput = ImageSource | readonly ImageSource[];

/** transformers' BatchFeature for images. */
export interface ImageFeatures {
  pixel_values: Tensor;
}

const HUB_KEYS: readonly string[] = ["revision", "cache_dir", "local_files_only", "token", "force_download"] satisfies (keyof HubOptions)[];

/** The parsed preprocessor_config.json of `path_or_repo_id`. */
export async function get_image_processor_dict(path_or_repo_id: string, o: HubOptions = {}): Promise<Record<string, unknown>> {
  const file = await cached_file(path_or_repo_id, IMAGE_PROCESSOR_NAME, o);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new Error(`${file} must hold a JSON object`);
  return json as Record<string, unknown>;
}

/** The options of from_pretrained that are not hub arguments: config overrides. */
function config_overrides(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !HUB_KEYS.includes(k)));
}

/** The images of a call, decoded to RGB (a RawImage is kept as it is, so do_convert_rgb decides). */
export async function load_images(images: ImageInput): Promise<RawImage[]> {
  const list: readonly ImageSource[] = Array.isArray(images) ? images : [images as ImageSource];
  if (list.length === 0) throw new Error("image processor: no images given");
  return Promise.all(list.map((im) => (im instanceof RawImage ? im : load_image(im))));
}

export interface ImageProcessor<O extends object = object> {
  /** `processor(images, options)` is `processor.preprocess(images, options)`. */
  (images: ImageInput, o?: O): Promise<ImageFeatures>;
}

/** `O`: the per-call options of `preprocess` (the config keys as overrides, return_tensors). */
export abstract class ImageProcessor<O extends object = object> extends Callable {
  readonly model_input_names = ["pixel_values"];

  /** `Cls.from_pretrained(path_or_repo_id, { ...hub options, ...config overrides })`. */
  static async from_pretrained<T extends ImageProcessor<never>>(
    this: new (config: Record<string, unknown>) => T,
    path_or_repo_id: string,
    o: HubOptions & Record<string, unknown> = {},
  ): Promise<T> {
    const config = { ...(await get_image_processor_dict(path_or_repo_id, o)), ...config_overrides(o) };
    try {
      return new this(config);
    } catch (e) {
      throw new Error(`${IMAGE_PROCESSOR_NAME} of ${path_or_repo_id}: ${(e as Error).message}`);
    }
  }

  abstract preprocess(images: ImageInput, o?: O): Promise<ImageFeatures>;

  __call__(images: ImageInput, o?: O): Promise<ImageFeatures> {
    return this.preprocess(images, o);
  }
}

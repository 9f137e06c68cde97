// transformers' BlipProcessor: the image processor and the (BERT) tokenizer of a BLIP checkpoint
// behind one call, so `processor(image, "a photo of")` gives everything generate() takes.
import type { Tensor } from "../../tensor/tensor.js";
import { Callable } from "../../nn/module.js";
import { BlipImageProcessor, type BlipPreprocessOptions } from "../image/blip_image_processor.js";
import type { ImageInput } from "../image/image_processor.js";
import { AutoTokenizer, type TokenizerOptions } from "../tokenizers/auto.js";
import type { CallOptions, DecodeOptions, PreTrainedTokenizer } from "../tokenizers/tokenizer.js";
import { hub_options, type HubOptions } from "../hub/index.js";

export type BlipProcessorOptions = CallOptions & Pick<BlipPreprocessOptions, "return_tensors">;
type Text = string | string[];

export interface BlipProcessor {
  (images: ImageInput | null, text?: Text | BlipProcessorOptions | null, o?: BlipProcessorOptions): Promise<Record<string, Tensor | number[] | number[][]>>;
}

export class BlipProcessor extends Callable {
  constructor(readonly image_processor: BlipImageProcessor, readonly tokenizer: PreTrainedTokenizer) {
    super();
  }

  static async from_pretrained(path_or_repo_id: string, o: HubOptions & TokenizerOptions = {}): Promise<BlipProcessor> {
    const [image_processor, tokenizer] = await Promise.all([
      BlipImageProcessor.from_pretrained(path_or_repo_id, { ...hub_options(o) }),
      AutoTokenizer.from_pretrained(path_or_repo_id, o),
    ]);
    return new BlipProcessor(image_processor, tokenizer);
  }

  /** `processor(images, text?, { return_tensors: "pt", ...tokenizer options })`: pixel_values,
   *  plus input_ids and attention_mask when there is a text (only those without images). */
  async __call__(images: ImageInput | null, text?: Text | BlipProcessorOptions | null, o: BlipProcessorOptions = {}): Promise<Record<string, Tensor | number[] | number[][]>> {
    if (text !== null && typeof text === "object" && !Array.isArray(text)) [text, o] = [null, text];
    if (images == null && text == null) throw new Error("BlipProcessor: you have to specify either images or text");
    const { return_tensors, ...tok_options } = o;
    // transformers' BlipProcessor asks for no token_type_ids unless told to
    const encoding = text == null ? {} : { ...this.tokenizer.__call__(text, { return_token_type_ids: false, ...tok_options, return_tensors }) };
    if (images == null) return encoding;
    return { ...(await this.image_processor(images, { return_tensors })), ...encoding };
  }

  decode(ids: Parameters<PreTrainedTokenizer["decode"]>[0], o?: DecodeOptions): string {
    return this.tokenizer.decode(ids, o);
  }

  batch_decode(sequences: Parameters<PreTrainedTokenizer["batch_decode"]>[0], o?: DecodeOptions): string[] {
    return this.tokenizer.batch_decode(sequences, o);
  }

  get model_input_names(): string[] {
    return [...new Set([...this.tokenizer.model_input_names, ...this.image_processor.model_input_names])];
  }

  override toString(): string {
    return `BlipProcessor:\n- image_processor: BlipImageProcessor\n- tokenizer: ${this.tokenizer}`;
  }
}

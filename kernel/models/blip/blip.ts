// BlipForConditionalGeneration (image captioning): the ViT's image embeddings, cross-attended by the
// BERT text decoder. Weight names are HF's: vision_model.*, text_decoder.bert.*, text_decoder.cls.*.
import { Module } from "../../nn/module.js";
import { int64 } from "../../tensor/dtype.js";
import { ones } from "../../tensor/ops/creation.js";
import { Tensor } from "../../tensor/tensor.js";
import { BlipConfig } from "./configuration.js";
import { BlipTextLayerCache, BlipTextLMHeadModel, CausalLMOutputWithCrossAttentions } from "./text.js";
import { BlipVisionModel, BlipVisionOutput } from "./vision.js";

export interface BlipForConditionalGenerationInputs {
  pixel_values?: Tensor;
  /** the image embeddings of an earlier call, so decoding steps skip the vision tower */
  image_embeds?: Tensor;
  input_ids: Tensor;
  attention_mask?: Tensor | null;
  past_key_values?: BlipTextLayerCache[] | null;
  use_cache?: boolean;
  output_hidden_states?: boolean;
}

export interface BlipForConditionalGenerationOutput extends CausalLMOutputWithCrossAttentions {
  image_embeds: Tensor;
  /** the vision tower's output (null when image_embeds were passed in) */
  vision_outputs: BlipVisionOutput | null;
}

export class BlipForConditionalGeneration extends Module {
  config: BlipConfig;
  vision_model: BlipVisionModel;
  text_decoder: BlipTextLMHeadModel;
  decoder_input_ids: number;
  decoder_pad_token_id: number;

  constructor(config: BlipConfig) {
    super();
    this.config = config;
    this.vision_model = new BlipVisionModel(config.vision_config);
    this.text_decoder = new BlipTextLMHeadModel(config.text_config);
    this.decoder_input_ids = config.text_config.bos_token_id;
    this.decoder_pad_token_id = config.text_config.pad_token_id;
  }

  /** The text decoder's logits for `input_ids` given the image, as HF's forward (which passes
   *  input_ids through unchanged; generate() is where [CLS] becomes the decoder's bos). */
  override forward(o: BlipForConditionalGenerationInputs): BlipForConditionalGenerationOutput {
    let vision_outputs: BlipVisionOutput | null = null;
    let image_embeds = o.image_embeds;
    if (!image_embeds) {
      if (!o.pixel_values) throw new Error("BlipForConditionalGeneration: pass pixel_values (or image_embeds from an earlier call)");
      vision_outputs = this.vision_model({ pixel_values: o.pixel_values, output_hidden_states: o.output_hidden_states }) as BlipVisionOutput;
      image_embeds = vision_outputs.last_hidden_state;
    }
    const out = this.text_decoder({
      input_ids: o.input_ids,
      attention_mask: o.attention_mask,
      encoder_hidden_states: image_embeds,
      encoder_attention_mask: ones(image_embeds._shape.slice(0, -1), { dtype: int64 }),
      past_key_values: o.past_key_values,
      use_cache: o.use_cache,
      output_hidden_states: o.output_hidden_states,
    }) as CausalLMOutputWithCrossAttentions;
    return { ...out, image_embeds, vision_outputs };
  }
}

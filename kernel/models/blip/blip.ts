// BlipForConditionalGeneration (image captioning): the ViT's image embeddings, cross-attended by the
// BERT text decoder. Weight names are HF's: vision_model.*, text_decoder.bert.*, text_decoder.cls.*.
import { int64 } from "../../tensor/dtype.js";
import { ones, tensor } from "../../tensor/ops/creation.js";
import { Tensor } from "../../tensor/tensor.js";
import { register_model_type } from "../auto.js";
import type { GenerateOptions } from "../generation/utils.js";
import { PreTrainedModel } from "../modeling_utils.js";
import { BlipConfig } from "./configuration.js";
import { BlipTextLMHeadModel, CausalLMOutputWithCrossAttentions } from "./text.js";
import { BlipVisionModel, BlipVisionOutput, PatchConv2d } from "./vision.js";

export interface BlipForConditionalGenerationInputs {
  pixel_values?: Tensor;
  input_ids?: Tensor | null;
  attention_mask?: Tensor | null;
  output_hidden_states?: boolean;
}

/** transformers' BlipForConditionalGenerationModelOutput (no loss, no attentions): the text
 *  decoder's logits with the vision tower's outputs. */
export interface BlipForConditionalGenerationModelOutput {
  logits: Tensor;
  image_embeds: Tensor;
  last_hidden_state: Tensor;
  hidden_states: Tensor[] | null;
}

export class BlipForConditionalGeneration extends PreTrainedModel {
  static override config_class = BlipConfig;
  // the head's decoder.bias is cls.predictions.bias, saved under that name only
  static override _tied_weights_keys = ["text_decoder.cls.predictions.decoder.bias"];
  declare config: BlipConfig;
  vision_model: BlipVisionModel;
  text_decoder: BlipTextLMHeadModel;
  decoder_input_ids: number;
  decoder_pad_token_id: number;

  constructor(config: BlipConfig) {
    super(config);
    this.vision_model = new BlipVisionModel(config.vision_config);
    this.text_decoder = new BlipTextLMHeadModel(config.text_config);
    this.decoder_input_ids = config.text_config.bos_token_id;
    this.decoder_pad_token_id = config.text_config.pad_token_id;
  }

  override get main_input_name(): string {
    return "pixel_values";
  }

  override get_input_embeddings(): PatchConv2d {
    return this.vision_model.embeddings.patch_embedding;
  }

  override can_generate(): boolean {
    return true;
  }

  private image_embeds(pixel_values: Tensor | undefined, output_hidden_states = false): BlipVisionOutput {
    if (!pixel_values) throw new Error("BlipForConditionalGeneration: pass pixel_values ([batch, 3, image_size, image_size], from BlipImageProcessor)");
    return this.vision_model({ pixel_values, output_hidden_states }) as BlipVisionOutput;
  }

  /** model(pixel_values, { input_ids }) or model({ pixel_values, input_ids }): the decoder's logits
   *  for input_ids as given (only generate() swaps [CLS] for the decoder's bos). */
  override forward(first?: Tensor | BlipForConditionalGenerationInputs, rest: BlipForConditionalGenerationInputs = {}): BlipForConditionalGenerationModelOutput {
    const o = first instanceof Tensor ? { ...rest, pixel_values: first } : { ...first, ...rest };
    const vision = this.image_embeds(o.pixel_values, o.output_hidden_states);
    const image_embeds = vision.last_hidden_state;
    if (!o.input_ids) throw new Error("BlipForConditionalGeneration: pass input_ids (generate() captions without them)");
    const out = this.text_decoder({
      input_ids: o.input_ids,
      attention_mask: o.attention_mask,
      encoder_hidden_states: image_embeds,
      use_cache: false,
    }) as CausalLMOutputWithCrossAttentions;
    return { logits: out.logits, image_embeds, last_hidden_state: vision.last_hidden_state, hidden_states: vision.hidden_states };
  }

  /** HF's BlipForConditionalGeneration.generate: caption the image, from [[bos]] or from a prompt
   *  whose first column ([CLS]) becomes bos and whose trailing [SEP] is dropped; decoding stops at
   *  text_config.sep_token_id and pads with pad_token_id. Returns the decoder's ids, prompt included. */
  override async generate(o: GenerateOptions & { pixel_values?: Tensor } = {}): Promise<Tensor> {
    const { pixel_values, input_ids, attention_mask, ...rest } = o;
    const image_embeds = this.image_embeds(pixel_values).last_hidden_state;
    const batch = image_embeds._shape[0]!;
    const tc = this.config.text_config;
    // HF overwrites column 0 of the caller's tensor; this writes into a copy
    const ids = input_ids
      ? input_ids.to(int64).clone()
      : tensor([[this.decoder_input_ids, tc.eos_token_id as number]]).repeat(batch, 1);
    ids.set([":", 0], tc.bos_token_id);
    return this.text_decoder.generate({
      ...rest,
      input_ids: ids.get(":", ":-1"),
      attention_mask: attention_mask ? attention_mask.get(":", ":-1") : null,
      eos_token_id: tc.sep_token_id,
      pad_token_id: tc.pad_token_id,
      encoder_hidden_states: image_embeds,
      encoder_attention_mask: ones(image_embeds._shape.slice(0, -1), { dtype: int64 }),
    });
  }
}

register_model_type("blip", { config: BlipConfig, vision2seq: BlipForConditionalGeneration });

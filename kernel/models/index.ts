// The `transformers` namespace: configs, models, Auto classes and generation, under
// transformers' names.
export { PretrainedConfig } from "./configuration_utils.js";
export { PreTrainedModel, type FromPretrainedOptions, type ModelInputs, type CausalLMOutputWithPast, type BaseModelOutputWithPast } from "./modeling_utils.js";
export { GenerationConfig } from "./generation/configuration_utils.js";
export { GenerationMixin, type GenerateOptions } from "./generation/utils.js";
export { DynamicCache, type Cache } from "./generation/cache.js";
export {
  LogitsProcessorList, TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper, MinPLogitsWarper,
} from "./generation/logits_process.js";
export { AutoConfig, AutoModel, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoModelForVision2Seq, register_model_type } from "./auto.js";
export { GPTNeoXConfig, GPTNeoXModel, GPTNeoXForCausalLM, GPTNeoXLayer, GPTNeoXAttention, GPTNeoXMLP } from "./gpt_neox.js";
export { OPTConfig, OPTModel, OPTForCausalLM, OPTDecoder, OPTDecoderLayer, OPTAttention, OPTLearnedPositionalEmbedding } from "./opt.js";
export { LlamaConfig, LlamaModel, LlamaForCausalLM, LlamaDecoderLayer, LlamaAttention, LlamaMLP } from "./llama.js";
export { compute_module_sizes } from "./sizes.js";
export { T5Config, T5Model, T5ForConditionalGeneration } from "./t5.js";
export { BlipConfig, BlipTextConfig, BlipVisionConfig } from "./blip/configuration.js";
export { BlipForConditionalGeneration } from "./blip/blip.js";
export { AutoTokenizer, PreTrainedTokenizer, BatchEncoding, type TokenizerOptions, type CallOptions, type DecodeOptions } from "./tokenizers/index.js";
export {
  RawImage, load_image, Resampling, AutoImageProcessor, BlipImageProcessor, ImageProcessor, OPENAI_CLIP_MEAN, OPENAI_CLIP_STD,
} from "./image/index.js";
export { BlipProcessor } from "./blip/processing.js";
export { AutoProcessor } from "./processing_auto.js";
export { BitsAndBytesConfig, QuantoConfig, HqqConfig, type BitsAndBytesConfigOptions, type QuantoConfigOptions } from "./quantization_config.js";

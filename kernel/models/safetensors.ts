// safetensors files: the format every Hugging Face checkpoint ships in. Reading checks the header
// as strictly as the Rust crate and reads each tensor straight into its own storage; writing lays
// the file out exactly as safetensors.torch.save_file does.
export type { SafetensorsHeader, TensorInfo } from "./safetensors/header.js";
export { load_file, load_metadata, safe_open, SafeOpen, type GetTensorOptions, type LoadOptions } from "./safetensors/read.js";
export { save_file } from "./safetensors/write.js";

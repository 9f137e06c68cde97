// Model checkpoints as transformers writes them: one model.safetensors, or shards listed by
// model.safetensors.index.json; loaded from a directory or a hub id, saved with the same names.
export { convert_file_size_to_int } from "./checkpoint/file_size.js";
export { load_checkpoint, type LoadCheckpointOptions } from "./checkpoint/load.js";
export { save_checkpoint, type SaveCheckpointOptions } from "./checkpoint/save.js";
export { WEIGHTS_INDEX_NAME, WEIGHTS_NAME } from "./checkpoint/shards.js";

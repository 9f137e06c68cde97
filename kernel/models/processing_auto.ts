// transformers' AutoProcessor: the processor class a checkpoint names (preprocessor_config.json's
// processor_class, else config.json's model_type), falling back to its image processor or
// tokenizer alone, as transformers does for checkpoints with only one of them.
import { readFileSync } from "node:fs";
import { BlipProcessor } from "./blip/processing.js";
import { AutoImageProcessor } from "./image/auto_image_processor.js";
import { IMAGE_PROCESSOR_NAME } from "./image/image_processor.js";
import { AutoTokenizer, type TokenizerOptions } from "./tokenizers/auto.js";
import { try_cached_file, type HubOptions } from "./hub/index.js";

const PROCESSORS: Record<string, typeof BlipProcessor> = { BlipProcessor };
const BY_MODEL_TYPE: Record<string, typeof BlipProcessor> = { blip: BlipProcessor };

async function json_of(id: string, file: string, o: HubOptions): Promise<Record<string, unknown> | null> {
  const p = await try_cached_file(id, file, o);
  if (p === null) return null;
  try {
    return JSON.parse(readFileSync(p, "utf8"));
  } catch (e) {
    throw new Error(`${p}: not valid JSON (${(e as Error).message})`);
  }
}

export class AutoProcessor {
  static async from_pretrained(path_or_repo_id: string, o: HubOptions & TokenizerOptions = {}) {  // eslint-disable-line @typescript-eslint/explicit-function-return-type
    const pre = await json_of(path_or_repo_id, IMAGE_PROCESSOR_NAME, o);
    const named = typeof pre?.processor_class === "string" ? pre.processor_class : null;
    if (named !== null && !(named in PROCESSORS)) {
      throw new Error(`${path_or_repo_id}: processor_class ${named} is not supported (lowbit has ${Object.keys(PROCESSORS).join(", ")})`);
    }
    const model_type = (await json_of(path_or_repo_id, "config.json", o))?.model_type;
    const cls = named !== null ? PROCESSORS[named] : typeof model_type === "string" ? BY_MODEL_TYPE[model_type] : undefined;
    if (cls) return cls.from_pretrained(path_or_repo_id, o);
    return pre !== null ? AutoImageProcessor.from_pretrained(path_or_repo_id, o as HubOptions & Record<string, unknown>) : AutoTokenizer.from_pretrained(path_or_repo_id, o);
  }
}

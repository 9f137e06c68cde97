// llama: the shared decoder-only checks against the tiny-llama fixture.
import { describe_causal_lm } from "./causal_lm_checks.js";

describe_causal_lm("tiny-llama", { head: "lm_head", layers: "model.layers" });

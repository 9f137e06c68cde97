// opt: the shared decoder-only checks against the tiny-opt fixture.
import { describe_causal_lm } from "./causal_lm_checks.js";

describe_causal_lm("tiny-opt", { head: "lm_head", layers: "model.decoder.layers" });

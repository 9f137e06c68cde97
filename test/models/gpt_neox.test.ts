// gpt_neox: the shared decoder-only checks against the tiny-gpt-neox fixture.
import { describe_causal_lm } from "./causal_lm_checks.js";

describe_causal_lm("tiny-gpt-neox", { head: "embed_out", layers: "gpt_neox.layers" });

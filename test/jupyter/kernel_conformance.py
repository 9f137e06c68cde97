"""jupyter_kernel_test's conformance suite for the lowbit kernel (run by conformance.test.ts).

Every sample the suite supports is filled in; the kernel is found through JUPYTER_PATH.
"""
import unittest

import jupyter_kernel_test as jkt


class LowbitKernelTests(jkt.KernelTests):
    kernel_name = "lowbit"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("oops")'
    code_generate_error = 'throw new Error("boom")'

    completion_samples = [
        {"text": "const zz_first = 1, zz_second = 2; zz_f", "matches": {"zz_first"}},
        {"text": "torch.manual_s", "matches": {"manual_seed"}},
        {"text": "Math.sq"},
    ]
    complete_code_samples = ["1 + 1", "const x = torch.ones([2])", "function f() { return 1 }"]
    incomplete_code_samples = ["function f() {", "const t = torch.tensor([1,", "for (let i = 0; i < 3; i++) {"]
    invalid_code_samples = ["const = 1", "1 +* 2", ")"]

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"low" + "bit"', "result": "'lowbit'"},
        {"code": "torch.tensor([1, 2, 3])", "result": "tensor([1, 2, 3])"},
        {"code": "torch.ones([2, 2])", "mime": "text/html"},
    ]
    code_display_data = [
        {"code": 'display(Markdown("**bold**"))', "mime": "text/markdown"},
        {"code": "display(torch.zeros([2]))", "mime": "text/html"},
        {"code": 'display({ a: 1 })', "mime": "application/json"},
        {"code": "display(viz.line([[1, 2, 3]]))", "mime": "application/vnd.plotly.v1+json"},
    ]
    code_history_pattern = "6 *"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "torch.zeros"
    code_clear_output = 'console.log("gone"); clear_output()'


if __name__ == "__main__":
    unittest.main(verbosity=2)

// kernel_info_reply's content: what the front end needs to highlight, save and link the language.
import { package_version } from "../package.js";
import { PROTOCOL_VERSION } from "./wire.js";
import { ts } from "./typescript.js";

let cached: Record<string, unknown> | null = null;

export function kernel_info(): Record<string, unknown> {
  if (cached) return cached;
  const version = package_version();
  cached = {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "lowbit",
    implementation_version: version,
    language_info: {
      name: "typescript",
      version: ts.version,
      mimetype: "text/typescript",
      file_extension: ".ts",
      codemirror_mode: { name: "javascript", typescript: true },
      pygments_lexer: "typescript",
      nbconvert_exporter: "script",
    },
    banner: `lowbit ${version}: TypeScript with lowbit's torch, nn and viz preloaded`,
    help_links: [
      { text: "lowbit README", url: "https://github.com/lowbit/lowbit#readme" },
      { text: "TypeScript handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" },
      { text: "PyTorch documentation", url: "https://pytorch.org/docs/stable/index.html" },
    ],
    debugger: false,
  };
  return cached;
}

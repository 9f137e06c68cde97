// The real Pillow (Debian's python3-pil behind /usr/bin/python3) as the reference for the image
// tests: one Python process answers a batch of requests. Without Pillow these tests skip, or
// fail under LOWBIT_REQUIRE_E2E=1 (CI installs python3-pil, so a skip there would hide a regression).
import { spawnSync } from "node:child_process";
import { front_end, python_has, PYTHON } from "../helpers/jupyter.js";

export const HAVE_PIL = front_end("Pillow for /usr/bin/python3", python_has("PIL.Image", "numpy"), "apt-get install python3-pil python3-numpy");

export type PilRequest =
  /** Image.frombytes(mode, size, data), then .convert(convert) and/or .resize(size, resample) */
  | { op: "frombytes"; mode: string; width: number; height: number; data: Uint8Array; convert?: string; size?: [number, number]; resample?: number }
  /** transformers' load_image: ImageOps.exif_transpose(Image.open(bytes)).convert("RGB") */
  | { op: "load_image"; bytes: Uint8Array }
  /** transformers' BlipImageProcessor arithmetic on an RGB image: resize, x*scale in float64 cast
   *  to float32, (x - mean) / std in float32, HWC -> CHW; returns float32 bytes */
  | { op: "blip"; width: number; height: number; data: Uint8Array; size: [number, number]; resample: number; scale: number; mean: number[]; std: number[] };

export interface PilImage {
  mode: string;
  width: number;
  height: number;
  data: Uint8Array;
}

const SCRIPT = String.raw`
import base64, io, json, sys
import numpy as np
from PIL import Image, ImageOps
out = []
for r in json.load(sys.stdin):
    if r["op"] == "frombytes":
        im = Image.frombytes(r["mode"], (r["width"], r["height"]), base64.b64decode(r["data"]))
        if "convert" in r:
            im = im.convert(r["convert"])
        if "size" in r:
            im = im.resize(tuple(r["size"]), r["resample"])
    elif r["op"] == "load_image":
        im = ImageOps.exif_transpose(Image.open(io.BytesIO(base64.b64decode(r["bytes"])))).convert("RGB")
    else:
        im = Image.frombytes("RGB", (r["width"], r["height"]), base64.b64decode(r["data"]))
        x = np.array(im.resize(tuple(r["size"]), r["resample"]))
        x = (x.astype(np.float64) * r["scale"]).astype(np.float32)
        x = (x - np.array(r["mean"], dtype=np.float32)) / np.array(r["std"], dtype=np.float32)
        out.append({"data": base64.b64encode(np.ascontiguousarray(x.transpose(2, 0, 1)).tobytes()).decode()})
        continue
    out.append({"mode": im.mode, "width": im.width, "height": im.height, "data": base64.b64encode(im.tobytes()).decode()})
json.dump(out, sys.stdout)
`;

const b64 = (u: Uint8Array): string => Buffer.from(u).toString("base64");

/** Runs the requests through Pillow, in order. */
export function pil(requests: PilRequest[]): PilImage[] {
  const wire = requests.map((r) => {
    if (r.op === "load_image") return { ...r, bytes: b64(r.bytes) };
    return { ...r, data: b64(r.data) };
  });
  const p = spawnSync(PYTHON, ["-c", SCRIPT], { input: JSON.stringify(wire), maxBuffer: 1 << 30 });
  if (p.status !== 0) throw new Error(`Pillow reference failed: ${p.stderr.toString()}`);
  return (JSON.parse(p.stdout.toString()) as (PilImage & { data: string })[]).map((o) => ({ ...o, data: new Uint8Array(Buffer.from(o.data, "base64")) }));
}

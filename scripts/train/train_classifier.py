#!/usr/bin/env python3
"""Train the kiosk packaging classifier on a folder-per-class image set and ship it as an ONNX model directory.

    /usr/bin/python3 scripts/train/train_classifier.py --data ../shared/datasets/trashnet/train \
        --out models/packaging-v1 --epochs 60 --seed 20261123

Layout of --data: <data>/<class>/*.jpg|jpeg|png (one folder per class; an operator can retrain on photos from
their own kiosks). A synthetic "empty" class (plain backgrounds, see empty_class.py) is added unless
--empty-train 0. Writes into --out: model.onnx, manifest.json, validation-split.json, empty-validation/*.jpg and
MODEL_CARD.md, following docs/vision.md (input NCHW RGB, "fill" resize, scale/mean/std normalisation).
Uses only torch, PIL and numpy (Debian's python3-torch). Reproducible: fixed seeds, deterministic algorithms,
a fixed number of torch threads.
"""
import argparse
import copy
import datetime as dt
import hashlib
import io
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import empty_class  # noqa: E402
from model import KioskNet, count_params  # noqa: E402

IMG_EXT = (".jpg", ".jpeg", ".png")
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="folder-per-class image set")
    p.add_argument("--out", required=True, help="output model directory, e.g. models/packaging-v1")
    p.add_argument("--name", help="model name in the manifest (default: basename of --out)")
    p.add_argument("--version", default="1.0.0")
    p.add_argument("--dataset-name", help='validation-split.json "dataset" (default: last two path parts of --data)')
    p.add_argument("--dataset-description", default=None, help="manifest training.dataset text")
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--seed", type=int, default=20261123)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3, help="AdamW peak learning rate")
    p.add_argument("--weight-decay", type=float, default=0.05)
    p.add_argument("--warmup-epochs", type=float, default=3)
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--mixup-alpha", type=float, default=0.2, help="0 disables mixup")
    p.add_argument("--mixup-prob", type=float, default=0.5, help="fraction of batches that are mixed")
    p.add_argument("--class-weight-power", type=float, default=0.5,
                   help="loss weight per class = (mean count / class count) ** power; 0 = unweighted")
    p.add_argument("--ema-decay", type=float, default=0.995, help="weight EMA used for evaluation and export")
    p.add_argument("--widths", default="32,64,128,192", help="channel widths of the four stages")
    p.add_argument("--dropout", type=float, default=0.2)
    p.add_argument("--width", type=int, default=128, help="model input width")
    p.add_argument("--height", type=int, default=96, help="model input height")
    p.add_argument("--val-fraction", type=float, default=0.2, help="stratified validation fraction per class")
    p.add_argument("--empty-label", default="empty")
    p.add_argument("--empty-train", type=int, default=240, help="synthetic empty-chamber training images (0: no empty class)")
    p.add_argument("--empty-val", type=int, default=60, help="synthetic empty-chamber validation images")
    p.add_argument("--min-confidence", type=float, default=0.6, help="manifest thresholds.minConfidence")
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    p.add_argument("--opset", type=int, default=13)
    p.add_argument("--created-at", help="manifest createdAt (ISO 8601, default: now)")
    p.add_argument("--onnxruntime-node", default=os.path.join(REPO_ROOT, "node_modules", "onnxruntime-node"),
                   help="onnxruntime-node used to check the exported model against PyTorch ('' skips)")
    p.add_argument("--limit-per-class", type=int, default=0, help="debug: use at most N photos per class")
    return p.parse_args()


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def seed_everything(seed, threads):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.benchmark = False


# ---------------------------------------------------------------------------------------------- data

def scan(data_dir, limit):
    classes = sorted(d for d in os.listdir(data_dir)
                     if os.path.isdir(os.path.join(data_dir, d)) and not d.startswith("."))
    files = {}
    for c in classes:
        fs = sorted(f for f in os.listdir(os.path.join(data_dir, c)) if f.lower().endswith(IMG_EXT))
        if limit:
            fs = fs[:limit]
        if fs:
            files[c] = [f"{c}/{f}" for f in fs]
    return [c for c in classes if c in files], files


def stratified_split(files, classes, fraction, seed):
    rng = np.random.RandomState(seed)
    train, val = [], []
    for c in classes:
        fs = files[c]
        perm = rng.permutation(len(fs))
        n_val = max(1, int(round(fraction * len(fs)))) if len(fs) > 1 else 0
        val += [fs[i] for i in sorted(perm[:n_val])]
        train += [fs[i] for i in sorted(perm[n_val:])]
    return train, val


def decode(src):
    """Bytes or path -> RGB PIL image (what the runtime does: decode, 3 channels)."""
    im = Image.open(io.BytesIO(src) if isinstance(src, (bytes, bytearray)) else src)
    return im.convert("RGB")


def serve_resize(im, w, h):
    """Serving preprocessing, resize "fill": stretch the whole image to w x h, bilinear (triangle) filter."""
    return im.resize((w, h), Image.BILINEAR)


def to_float(batch_u8):
    """N x H x W x 3 uint8 -> N x 3 x H x W float in 0..1."""
    return torch.from_numpy(np.ascontiguousarray(batch_u8)).permute(0, 3, 1, 2).float().div_(255.0)


def normalise(x):
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (x - mean) / std


class TrainImage:
    """A training source image kept in memory (shrunk to at most 4x the model input), plus its backdrop colour."""

    def __init__(self, im, w, h):
        if im.width > 4 * w or im.height > 4 * h:
            s = min(4 * w / im.width, 4 * h / im.height)
            im = im.resize((max(1, round(im.width * s)), max(1, round(im.height * s))), Image.BILINEAR)
        self.im = im
        self.fill = tuple(int(v) for v in empty_class.border_colours([np.asarray(im)])[0])


def augment_geometry(ti, rng, w, h):
    """Random rotation, random resized crop (area 50-100%, aspect +-1/3), flips; output w x h uint8 array."""
    im = ti.im
    if rng.rand() < 0.5:
        im = im.rotate(rng.uniform(-15, 15), resample=Image.BILINEAR, fillcolor=ti.fill)
    W, H = im.size
    for _ in range(10):
        area = rng.uniform(0.5, 1.0)
        ratio = math.exp(rng.uniform(math.log(3 / 4), math.log(4 / 3)))
        cw, ch = W * math.sqrt(area * ratio), H * math.sqrt(area / ratio)
        if cw <= W and ch <= H:
            break
    else:
        cw, ch = W, H
    x0, y0 = rng.uniform(0, W - cw), rng.uniform(0, H - ch)
    out = im.resize((w, h), Image.BILINEAR, box=(x0, y0, x0 + cw, y0 + ch))
    if rng.rand() < 0.5:
        out = out.transpose(Image.FLIP_LEFT_RIGHT)
    if rng.rand() < 0.25:
        out = out.transpose(Image.FLIP_TOP_BOTTOM)
    return np.asarray(out)


def augment_photometric(x, gen):
    """Batched colour jitter, white balance, blur / noise on N x 3 x H x W floats in 0..1."""
    n = x.shape[0]

    def u(lo, hi, *shape):
        return lo + (hi - lo) * torch.rand((n,) + shape, generator=gen)

    x = x * u(0.7, 1.3, 1, 1, 1)                                            # brightness
    grey = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - grey) * u(0.7, 1.3, 1, 1, 1) + grey                            # contrast
    lum = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
    x = (x - lum) * u(0.6, 1.4, 1, 1, 1) + lum                              # saturation
    x = x * u(0.92, 1.08, 3, 1, 1)                                          # white balance
    # Blur a fifth of the images a little (resampling / focus differences between training and kiosk camera).
    blur = torch.rand(n, generator=gen) < 0.2
    if blur.any():
        k = torch.tensor([0.25, 0.5, 0.25])
        k2 = (k[:, None] * k[None, :]).view(1, 1, 3, 3).repeat(3, 1, 1, 1)
        xb = F.conv2d(F.pad(x[blur], (1, 1, 1, 1), mode="replicate"), k2, groups=3)
        x = x.clone()
        x[blur] = xb
    noisy = (torch.rand(n, generator=gen) < 0.3).float().view(n, 1, 1, 1)
    x = x + noisy * u(0.0, 0.03, 1, 1, 1) * torch.randn(x.shape, generator=gen)
    return x.clamp_(0, 1)


# ---------------------------------------------------------------------------------------------- training

class EMA:
    def __init__(self, model, decay):
        self.model = copy.deepcopy(model).eval()
        self.decay = decay
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model):
        for e, m in zip(self.model.state_dict().values(), model.state_dict().values()):
            if e.dtype.is_floating_point:
                e.mul_(self.decay).add_(m.detach(), alpha=1 - self.decay)
            else:
                e.copy_(m)


@torch.no_grad()
def predict(model, x, batch=128):
    model.eval()
    return torch.cat([model(normalise(x[i:i + batch])) for i in range(0, len(x), batch)])


def metrics(logits, y, labels):
    k = len(labels)
    pred = logits.argmax(1)
    cm = torch.zeros(k, k, dtype=torch.long)
    for t, p in zip(y.tolist(), pred.tolist()):
        cm[t, p] += 1
    per = []
    for i, name in enumerate(labels):
        tp = cm[i, i].item()
        support = cm[i].sum().item()
        predicted = cm[:, i].sum().item()
        prec = tp / predicted if predicted else 0.0
        rec = tp / support if support else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per.append({"label": name, "precision": prec, "recall": rec, "f1": f1, "support": support})
    acc = (pred == y).float().mean().item()
    return {"accuracy": acc, "perClass": per, "confusion": cm.tolist(),
            "macroF1": sum(p["f1"] for p in per) / k,
            "loss": F.cross_entropy(logits, y).item()}


def count_macs(model, w, h):
    macs = 0

    def hook(m, inp, out):
        nonlocal macs
        if isinstance(m, torch.nn.Conv2d):
            macs += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, torch.nn.Linear):
            macs += m.in_features * m.out_features
    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    with torch.no_grad():
        model.eval()(torch.zeros(1, 3, h, w))
    for hh in hs:
        hh.remove()
    return macs


# ---------------------------------------------------------------------------------------------- export and checks

NODE_CHECK = r"""
const ort = require(process.argv[1]);
const fs = require('fs');
const dir = process.argv[2];
(async () => {
  const spec = JSON.parse(fs.readFileSync(dir + '/expected.json', 'utf8'));
  const s = await ort.InferenceSession.create(spec.model, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
  let maxDiff = 0, argmaxAgree = 0, first = null;
  for (const c of spec.cases) {
    const b = fs.readFileSync(dir + '/' + c.input);
    const data = new Float32Array(b.buffer, b.byteOffset, b.length / 4);
    const t = new ort.Tensor('float32', data, spec.shape);
    const out = (await s.run({ [spec.inputName]: t }))[spec.outputName];
    first = first || { feed: t };
    const got = Array.from(out.data);
    got.forEach((v, i) => { maxDiff = Math.max(maxDiff, Math.abs(v - c.logits[i])); });
    const am = a => a.indexOf(Math.max(...a));
    if (am(got) === am(c.logits)) argmaxAgree++;
    if (JSON.stringify(out.dims) !== JSON.stringify([1, c.logits.length])) throw new Error('output dims ' + out.dims);
  }
  for (let i = 0; i < 50; i++) await s.run({ [spec.inputName]: first.feed });
  const n = 300, t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await s.run({ [spec.inputName]: first.feed });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / n;
  console.log(JSON.stringify({ maxAbsDiff: maxDiff, argmaxAgree, cases: spec.cases.length, msPerImage1Thread: ms,
    inputNames: s.inputNames, outputNames: s.outputNames }));
})().catch(e => { console.error(e); process.exit(1); });
"""


def node_check(onnx_path, cases, ort_dir, w, h):
    """Run the exported model in onnxruntime-node on the same input tensors and compare with PyTorch logits."""
    node = shutil.which("node")
    if not ort_dir or not node or not os.path.isdir(ort_dir):
        log("onnxruntime-node check skipped (node or onnxruntime-node not found)")
        return None
    with tempfile.TemporaryDirectory(prefix="onnx-check-") as d:
        spec = {"model": os.path.abspath(onnx_path), "shape": [1, 3, h, w], "inputName": "input",
                "outputName": "logits", "cases": []}
        for i, (name, x, logits) in enumerate(cases):
            fn = f"in{i}.f32"
            x.numpy().astype("<f4").tofile(os.path.join(d, fn))
            spec["cases"].append({"name": name, "input": fn, "logits": logits})
        with open(os.path.join(d, "expected.json"), "w") as f:
            json.dump(spec, f)
        r = subprocess.run([node, "-e", NODE_CHECK, os.path.abspath(ort_dir), d],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise RuntimeError("onnxruntime-node check failed: " + r.stderr[-2000:])
        return json.loads(r.stdout.strip().splitlines()[-1])


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------- main

def main():
    args = parse_args()
    t_start = time.time()
    seed_everything(args.seed, args.threads)
    w, h = args.width, args.height
    out_dir = args.out
    name = args.name or os.path.basename(os.path.normpath(out_dir))
    data_dir = os.path.normpath(args.data)
    dataset_name = args.dataset_name or "/".join(os.path.abspath(data_dir).split(os.sep)[-2:])

    classes, files = scan(data_dir, args.limit_per_class)
    if len(classes) < 2:
        sys.exit(f"need at least two class folders with images under {data_dir}")
    use_empty = args.empty_train > 0
    if use_empty and args.empty_label in classes:
        sys.exit(f"class folder '{args.empty_label}' clashes with the synthetic empty class; pass --empty-train 0")
    labels = classes + ([args.empty_label] if use_empty else [])
    train_files, val_files = stratified_split(files, classes, args.val_fraction, args.seed)
    log(f"classes {labels}; photos train {len(train_files)} val {len(val_files)}; "
        + ", ".join(f"{c} {len(files[c])}" for c in classes))

    # Load photos. Validation tensors use exactly the serving preprocessing on the original decode.
    train_imgs, train_y = [], []
    for f in train_files:
        train_imgs.append(TrainImage(decode(os.path.join(data_dir, f)), w, h))
        train_y.append(labels.index(f.split("/")[0]))
    val_u8, val_y = [], []
    for f in val_files:
        val_u8.append(np.asarray(serve_resize(decode(os.path.join(data_dir, f)), w, h)))
        val_y.append(labels.index(f.split("/")[0]))

    empty_val_bytes = []
    if use_empty:
        pool = empty_class.border_colours([np.asarray(t.im) for t in train_imgs])
        ei = labels.index(args.empty_label)
        for b in empty_class.generate(args.seed + 1, args.empty_train, pool):
            train_imgs.append(TrainImage(decode(b), w, h))
            train_y.append(ei)
        empty_val_bytes = empty_class.generate(args.seed + 2, args.empty_val, pool)
        for b in empty_val_bytes:
            val_u8.append(np.asarray(serve_resize(decode(b), w, h)))
            val_y.append(ei)
    val_x = to_float(np.stack(val_u8))
    val_y = torch.tensor(val_y)
    train_y = np.array(train_y)
    counts = np.bincount(train_y, minlength=len(labels))
    log(f"train images per label {dict(zip(labels, counts.tolist()))}; val {len(val_y)}; "
        f"loaded in {time.time() - t_start:.1f}s")

    class_w = torch.tensor((counts.mean() / counts) ** args.class_weight_power, dtype=torch.float32)
    widths = tuple(int(v) for v in args.widths.split(","))
    model = KioskNet(len(labels), widths, args.dropout)
    n_params = count_params(model)
    macs = count_macs(model, w, h)
    log(f"model KioskNet widths {widths}: {n_params} parameters, {macs / 1e6:.1f} M MACs at {w}x{h}")
    ema = EMA(model, args.ema_decay)

    decay, no_decay = [], []
    for n_, p in model.named_parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr)
    steps_per_epoch = len(train_y) // args.batch_size   # drop the last partial batch (BatchNorm)
    total = steps_per_epoch * args.epochs
    warm = int(args.warmup_epochs * steps_per_epoch)

    def lr_at(step):
        if step < warm:
            return args.lr * (step + 1) / warm
        return args.lr * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))

    rng = np.random.RandomState(args.seed + 3)
    gen = torch.Generator().manual_seed(args.seed + 4)
    best = {"acc": -1.0}
    history = []
    step = 0
    t_train = time.time()
    for epoch in range(1, args.epochs + 1):
        t0 = time.time()
        model.train()
        order = rng.permutation(len(train_y))
        loss_sum = 0.0
        for b in range(steps_per_epoch):
            idx = order[b * args.batch_size:(b + 1) * args.batch_size]
            xb = to_float(np.stack([augment_geometry(train_imgs[i], rng, w, h) for i in idx]))
            xb = normalise(augment_photometric(xb, gen))
            ya = torch.from_numpy(train_y[idx])
            lam = 1.0
            if args.mixup_alpha > 0 and rng.rand() < args.mixup_prob:
                lam = float(rng.beta(args.mixup_alpha, args.mixup_alpha))
                perm = torch.from_numpy(rng.permutation(len(idx)))
                xb = lam * xb + (1 - lam) * xb[perm]
                yb = ya[perm]
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            logits = model(xb)
            loss = lam * F.cross_entropy(logits, ya, weight=class_w, label_smoothing=args.label_smoothing)
            if lam < 1.0:
                loss = loss + (1 - lam) * F.cross_entropy(logits, yb, weight=class_w, label_smoothing=args.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            ema.update(model)
            loss_sum += loss.item()
            step += 1
        m = metrics(predict(ema.model, val_x), val_y, labels)
        history.append({"epoch": epoch, "trainLoss": loss_sum / steps_per_epoch, "valAccuracy": m["accuracy"],
                        "valLoss": m["loss"]})
        mark = ""
        if m["accuracy"] > best["acc"]:
            best = {"acc": m["accuracy"], "epoch": epoch, "state": copy.deepcopy(ema.model.state_dict())}
            mark = " *"
        log(f"epoch {epoch}/{args.epochs} lr {lr_at(step - 1):.2e} train loss {loss_sum / steps_per_epoch:.3f} "
            f"val acc {m['accuracy']:.4f} val loss {m['loss']:.3f} ({time.time() - t0:.1f}s){mark}")
    train_seconds = time.time() - t_train

    # Final model: best EMA checkpoint by validation accuracy.
    model.load_state_dict(best["state"])
    model.eval()
    val_logits = predict(model, val_x)
    final = metrics(val_logits, val_y, labels)
    log(f"best epoch {best['epoch']}: val accuracy {final['accuracy']:.4f}, macro F1 {final['macroF1']:.4f}")
    photo_mask = val_y != (labels.index(args.empty_label) if use_empty else -1)
    photo_acc = (val_logits[photo_mask].argmax(1) == val_y[photo_mask]).float().mean().item()

    # Write the model directory.
    os.makedirs(out_dir, exist_ok=True)
    onnx_path = os.path.join(out_dir, "model.onnx")
    torch.onnx.export(model, torch.zeros(1, 3, h, w), onnx_path, input_names=["input"], output_names=["logits"],
                      opset_version=args.opset, do_constant_folding=True)
    onnx_bytes = os.path.getsize(onnx_path)
    onnx_sha = sha256(onnx_path)
    log(f"exported {onnx_path}: {onnx_bytes} bytes, sha256 {onnx_sha}")

    empty_dir = os.path.join(out_dir, "empty-validation")
    if os.path.isdir(empty_dir):
        shutil.rmtree(empty_dir)
    empty_names = []
    if use_empty:
        os.makedirs(empty_dir)
        for i, b in enumerate(empty_val_bytes):
            fn = f"empty-{i:03d}.jpg"
            with open(os.path.join(empty_dir, fn), "wb") as f:
                f.write(b)
            empty_names.append(fn)

    with open(os.path.join(out_dir, "validation-split.json"), "w") as f:
        json.dump({"dataset": dataset_name, "files": val_files}, f, indent=2)
        f.write("\n")

    # Check the ONNX file against PyTorch on three validation photos and one empty image, in onnxruntime-node.
    picks = [0, len(val_files) // 2, len(val_files) - 1] + ([len(val_files)] if use_empty else [])
    cases = []
    with torch.no_grad():
        for i in picks:
            xi = normalise(val_x[i:i + 1])
            nm = val_files[i] if i < len(val_files) else f"empty-validation/{empty_names[0]}"
            cases.append((nm, xi, model(xi)[0].tolist()))
    for nm, _, lg in cases:
        log(f"torch logits {nm}: " + " ".join(f"{v:.5f}" for v in lg))
    check = node_check(onnx_path, cases, args.onnxruntime_node, w, h)
    if check is not None:
        log(f"onnxruntime-node check: {check}")
        if check["maxAbsDiff"] > 1e-3 or check["argmaxAgree"] != check["cases"]:
            sys.exit("ONNX export does not match PyTorch")

    created = args.created_at or dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    manifest = {
        "manifestVersion": 1,
        "name": name,
        "version": args.version,
        "createdAt": created,
        "model": {"file": "model.onnx", "sha256": onnx_sha, "bytes": onnx_bytes},
        "labels": labels,
        "input": {"name": "input", "layout": "NCHW", "width": w, "height": h, "channels": 3,
                  "colorOrder": "RGB", "resize": "fill"},
        "normalization": {"scale": 255, "mean": MEAN, "std": STD},
        "output": {"name": "logits", "activation": "softmax"},
        "thresholds": {"minConfidence": args.min_confidence},
    }
    if use_empty:
        manifest["emptyLabel"] = args.empty_label
    manifest["training"] = {
        "script": "scripts/train/train_classifier.py",
        "seed": args.seed,
        "dataset": args.dataset_description or (
            "TrashNet (MIT), training subset" if "trashnet" in dataset_name.lower() else dataset_name),
        "validationAccuracy": round(final["accuracy"], 4),
    }
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")

    info = {"args": vars(args), "labels": labels, "trainCounts": counts.tolist(), "valFiles": len(val_files),
            "emptyVal": len(empty_names), "params": n_params, "macs": macs, "widths": widths,
            "onnxBytes": onnx_bytes, "bestEpoch": best["epoch"], "final": final, "photoAccuracy": photo_acc,
            "history": history, "trainSeconds": train_seconds, "totalSeconds": time.time() - t_start,
            "check": check, "torch": torch.__version__, "dataset": dataset_name, "name": name}
    import model_card
    with open(os.path.join(out_dir, "MODEL_CARD.md"), "w") as f:
        f.write(model_card.render(info))
    log(f"wrote {out_dir}: model.onnx, manifest.json, validation-split.json, "
        f"empty-validation/ ({len(empty_names)} JPEGs), MODEL_CARD.md; total {time.time() - t_start:.0f}s")


if __name__ == "__main__":
    main()

"""Deterministic generator for the "empty chamber" class: plain backgrounds.

Each image is a uniform or gently graded surface whose colour comes either from the border pixels of a
training photo (the TrashNet backdrop) or from a kiosk-chamber palette (greys, beiges, off-whites), with a
lighting gradient, vignetting, low-frequency unevenness, an occasional soft shadow, sensor noise and JPEG
compression. Image i of a stream depends only on (seed, i) and the colour pool, so the same call always yields
the same bytes.
"""
import io

import numpy as np
from PIL import Image

# Kiosk chamber surfaces: light greys, warm beiges, off-whites, a few darker greys (RGB 0..255).
CHAMBER_PALETTE = np.array([
    [235, 235, 232], [220, 220, 218], [200, 200, 198], [180, 181, 182], [150, 152, 155], [120, 122, 125],
    [232, 225, 210], [215, 205, 185], [196, 184, 160], [240, 238, 230], [210, 214, 220], [170, 165, 155],
], dtype=np.float32)


def border_colours(images, strip=8):
    """Median colour of the outer `strip` pixels of each image (HxWx3 uint8 arrays)."""
    out = []
    for a in images:
        a = np.asarray(a)
        parts = [a[:strip].reshape(-1, 3), a[-strip:].reshape(-1, 3), a[:, :strip].reshape(-1, 3), a[:, -strip:].reshape(-1, 3)]
        out.append(np.median(np.concatenate(parts), axis=0))
    return np.array(out, dtype=np.float32)


def make_empty(rng, colour_pool, width=256, height=192):
    """One plain-background image as JPEG bytes."""
    if len(colour_pool) and rng.rand() < 0.6:
        base = colour_pool[rng.randint(len(colour_pool))].copy()
    else:
        base = CHAMBER_PALETTE[rng.randint(len(CHAMBER_PALETTE))].copy()
    base = base * rng.uniform(0.8, 1.1) + rng.normal(0, 6, 3)  # exposure and white-balance drift

    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    u = (xx / (width - 1)) * 2 - 1
    v = (yy / (height - 1)) * 2 - 1
    # Lighting gradient in a random direction, a little colour shift along it.
    ang = rng.uniform(0, 2 * np.pi)
    g = np.cos(ang) * u + np.sin(ang) * v
    gain = 1 + rng.uniform(0, 0.25) * g
    tint = rng.normal(0, 0.03, 3)
    img = base[None, None, :] * gain[..., None] * (1 + tint[None, None, :] * g[..., None])
    # Vignetting.
    cx, cy = rng.uniform(-0.3, 0.3, 2)
    r2 = (u - cx) ** 2 + (v - cy) ** 2
    img *= (1 - rng.uniform(0, 0.35) * np.clip(r2 / 2, 0, 1))[..., None]
    # Low-frequency unevenness (bilinearly upsampled coarse noise).
    coarse = rng.normal(0, 1, (rng.randint(3, 7), rng.randint(4, 9))).astype(np.float32)
    c_img = Image.fromarray(coarse, mode="F").resize((width, height), Image.BILINEAR)
    img *= (1 + rng.uniform(0, 0.04) * np.asarray(c_img))[..., None]
    # Occasional soft shadow (gaussian blob) or a faint chamber edge.
    if rng.rand() < 0.3:
        sx, sy = rng.uniform(-1, 1, 2)
        s = rng.uniform(0.2, 0.6)
        img *= (1 - rng.uniform(0.05, 0.2) * np.exp(-((u - sx) ** 2 + (v - sy) ** 2) / (2 * s * s)))[..., None]
    if rng.rand() < 0.2:
        pos = rng.uniform(-0.9, 0.9)
        d = (u if rng.rand() < 0.5 else v) - pos
        img *= (1 - rng.uniform(0.03, 0.12) * (d > 0))[..., None]
    # Sensor noise (luma + chroma).
    sigma = rng.uniform(0.5, 6)
    img += rng.normal(0, sigma, (height, width, 1)) + rng.normal(0, sigma * 0.4, (height, width, 3))
    arr = np.clip(img, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr, "RGB").save(buf, format="JPEG", quality=int(rng.randint(60, 96)))
    return buf.getvalue()


def generate(seed, count, colour_pool, width=256, height=192):
    rng = np.random.RandomState(seed)
    return [make_empty(rng, colour_pool, width, height) for _ in range(count)]

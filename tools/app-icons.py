"""Draws the installed app's icons from the logo's geometry (static/logo.svg: a rounded purple square with a yellow
H) with Pillow: 192 and 512 px, and a maskable 512 px one whose letter sits inside the central 80 % that every
launcher's mask keeps. Run after changing the logo: python3 tools/app-icons.py"""
import os

from PIL import Image, ImageDraw

PURPLE = (0x5B, 0x2A, 0x86, 255)
YELLOW = (0xF6, 0xC9, 0x45, 255)
# The logo's H on its 32-unit grid (the path "M8 24V8h3v6.5h10V8h3v16h-3v-6.5H11V24z").
LETTER = [(8, 24), (8, 8), (11, 8), (11, 14.5), (21, 14.5), (21, 8), (24, 8), (24, 24), (21, 24), (21, 17.5), (11, 17.5), (11, 24)]
FOLDER = os.path.join(os.path.dirname(__file__), "..", "Sources", "Web", "Resources", "static", "icons")


def icon(size, maskable):
    big = size * 4  # drawn large, then scaled down: smooth edges
    unit = big / 32
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle([0, 0, big, big], fill=PURPLE)
        scale, offset = 0.6875, 16 * (1 - 0.6875)
    else:
        draw.rounded_rectangle([0, 0, big - 1, big - 1], radius=6 * unit, fill=PURPLE)
        scale, offset = 1.0, 0.0
    draw.polygon([((x * scale + offset) * unit, (y * scale + offset) * unit) for x, y in LETTER], fill=YELLOW)
    return image.resize((size, size), Image.LANCZOS)


os.makedirs(FOLDER, exist_ok=True)
for size in (192, 512):
    icon(size, False).save(os.path.join(FOLDER, f"icon-{size}.png"), optimize=True)
icon(512, True).save(os.path.join(FOLDER, "icon-maskable-512.png"), optimize=True)

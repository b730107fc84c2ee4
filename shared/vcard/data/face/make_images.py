"""Writes a synthetic, face-like 378x472 8-bit greyscale PGM (no real person): ellipses for a head, hair,
eyes, nose, mouth and shoulders, softened by distance so the JPEG 2000 encoder has gradients to code."""
import math
W, H = 378, 472
def inside(x, y, cx, cy, rx, ry):
    return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2
rows = []
for y in range(H):
    row = bytearray()
    for x in range(W):
        v = 205 - y // 12                       # background, slightly darker downwards
        if inside(x, y, 189, 520, 175, 130) <= 1: v = 70   # shoulders
        if inside(x, y, 189, 360, 40, 60) <= 1: v = 140    # neck
        d = inside(x, y, 189, 210, 110, 140)
        if d <= 1: v = int(170 - 40 * d)                   # face, shaded to the edge
        if inside(x, y, 189, 120, 120, 75) <= 1 and y < 150: v = 55  # hair
        for ex in (145, 233):
            if inside(x, y, ex, 195, 17, 9) <= 1: v = 40   # eyes
            if inside(x, y, ex, 175, 22, 4) <= 1: v = 80   # brows
        if abs(x - 189) <= (y - 205) * 0.3 and 205 <= y <= 255: v = 135  # nose
        if inside(x, y, 189, 295, 34, 8) <= 1: v = 100     # mouth
        row.append(max(0, min(255, v)))
    rows.append(bytes(row))
with open("face.pgm", "wb") as out:
    out.write(b"P5\n%d %d\n255\n" % (W, H))
    out.write(b"".join(rows))


def png(path, width, height, pixel):
    """Writes an 8-bit greyscale PNG with zlib (standard library only)."""
    import struct, zlib
    raw = b"".join(b"\x00" + bytes(pixel(x, y) for x in range(width)) for y in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


# Stand-ins for the chip's rendered 氏名, 住所 and セキュリティコード: no font is at hand, so they are bar patterns of
# the sizes the surveyed card used (the name and address as wide strips, the code 24x12), marked as stand-ins.
png("name-placeholder.png", 160, 24, lambda x, y: 0 if (x // 6) % 3 == 0 and 4 <= y < 20 else 255)
png("address-placeholder.png", 320, 24, lambda x, y: 0 if (x // 4) % 4 == 1 and 6 <= y < 18 else 255)
png("security-code-placeholder.png", 24, 12, lambda x, y: 0 if (x // 3) % 2 == 0 and 2 <= y < 10 else 255)

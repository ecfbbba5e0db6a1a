#!/usr/bin/env python3
"""Converts an X window dump (xwd, ZPixmap, 24 or 32 bits per pixel, TrueColor) to PNG and
checks that it shows something: at least --min-colours distinct colours.

    xwd_to_png.py IN.xwd OUT.png [--min-colours N]

Standard library only. Exit code 0 when written and not blank, 1 when blank, 2 when the dump
cannot be read.
"""

import argparse
import struct
import sys
import zlib

HEADER_FIELDS = 25
ZPIXMAP = 2
XWD_COLOR_SIZE = 12


def read_xwd(data):
    """Returns (width, height, rows of RGB bytes) from the bytes of an xwd file."""
    if len(data) < HEADER_FIELDS * 4:
        raise ValueError("too short for an xwd header")
    header = struct.unpack(">%dI" % HEADER_FIELDS, data[: HEADER_FIELDS * 4])
    (header_size, version, pixmap_format, _depth, width, height, _xoffset, byte_order,
     _bitmap_unit, _bit_order, _bitmap_pad, bits_per_pixel, bytes_per_line, _visual_class,
     red_mask, green_mask, blue_mask, _bits_per_rgb, _colormap_entries, ncolors) = header[:20]
    if version != 7:
        raise ValueError("xwd version %d, expected 7" % version)
    if pixmap_format != ZPIXMAP or bits_per_pixel not in (24, 32):
        raise ValueError("only ZPixmap with 24 or 32 bits per pixel is read")
    offset = header_size + ncolors * XWD_COLOR_SIZE
    needed = offset + bytes_per_line * height
    if len(data) < needed:
        raise ValueError("truncated: %d bytes, %d needed" % (len(data), needed))
    step = bits_per_pixel // 8
    order = "little" if byte_order == 0 else "big"

    def shift_of(mask):
        return (mask & -mask).bit_length() - 1

    shifts = [(mask, shift_of(mask)) for mask in (red_mask, green_mask, blue_mask)]
    rows = []
    for y in range(height):
        start = offset + y * bytes_per_line
        line = data[start : start + width * step]
        row = bytearray(width * 3)
        for x in range(width):
            pixel = int.from_bytes(line[x * step : x * step + step], order)
            for channel, (mask, shift) in enumerate(shifts):
                row[x * 3 + channel] = (pixel & mask) >> shift
        rows.append(bytes(row))
    return width, height, rows


def write_png(path, width, height, rows):
    """Writes 8-bit RGB rows as a PNG file."""

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + row for row in rows)
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        out.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        out.write(chunk(b"IEND", b""))


def distinct_colours(rows):
    """Number of distinct RGB colours."""
    colours = set()
    for row in rows:
        for x in range(0, len(row), 3):
            colours.add(row[x : x + 3])
    return len(colours)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("xwd")
    parser.add_argument("png")
    parser.add_argument("--min-colours", type=int, default=32)
    args = parser.parse_args()
    try:
        with open(args.xwd, "rb") as source:
            width, height, rows = read_xwd(source.read())
    except (OSError, ValueError) as error:
        print("xwd_to_png: cannot read %s: %s" % (args.xwd, error), file=sys.stderr)
        return 2
    write_png(args.png, width, height, rows)
    colours = distinct_colours(rows)
    print("xwd_to_png: %s: %dx%d, %d distinct colours" % (args.png, width, height, colours))
    if colours < args.min_colours:
        print("xwd_to_png: the picture is blank (fewer than %d colours)" % args.min_colours,
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""A camera that films a clock: raw 640x360 yuv420p frames on stdout, in real time,
each carrying the wall-clock time (ms since the Unix epoch) at which it was made as a
barcode. bench/hls_latency.mjs pipes it into ffmpeg, which encodes and publishes it;
the player page reads the barcode of the frame on screen and subtracts it from the
time the frame is shown: glass-to-glass latency, on one machine and one clock.

The barcode: 3 rows of 20 blocks of 32x32 pixels at the top of the picture, black
for 0 and white for 1, most significant bit first: 48 bits of the time and 8 bits of
checksum (the sum of the time's six bytes), then 4 zero bits. Big blocks of pure
black and white survive any H.264 quality setting; the checksum rejects a frame read
in the middle of a change.

With a third argument, a file descriptor, it also writes the sound of the same
camera there: a 440 Hz tone, 44.1 kHz mono s16le in 20 ms chunks, from its own
thread (a pipe the encoder is not reading yet must not hold the other) but on the
same clock, so that the encoder gets both tracks in step (an audio source of its own
would start at another moment, and the muxer would hold one track back to
interleave it with the other).

Usage: clock_source.py FPS SECONDS [AUDIO_FD] | ffmpeg -f rawvideo -pix_fmt yuv420p
       -s 640x360 -r FPS -i - [-f s16le -ar 44100 -ac 1 -i pipe:AUDIO_FD] ...
"""

import math
import os
import struct
import sys
import threading
import time

WIDTH, HEIGHT = 640, 360
BLOCK, PER_ROW, ROWS, TOP = 32, 20, 3, 16
BLACK, WHITE, GREY = 16, 235, 128
RATE = 44100


def bits_of(now_ms):
    value = now_ms & ((1 << 48) - 1)
    checksum = sum((value >> (8 * i)) & 0xFF for i in range(6)) & 0xFF
    word = (value << 8 | checksum) << 4  # 60 bits
    return [(word >> (59 - i)) & 1 for i in range(PER_ROW * ROWS)]


def frame(now_ms, counter):
    rows = []
    bits = bits_of(now_ms)
    # A moving bar below the code, so that the encoder has something to encode.
    bar = (counter * 8) % WIDTH
    plain = bytes([GREY]) * WIDTH
    moving = bytearray(plain)
    moving[bar:bar + 16] = bytes([WHITE]) * len(moving[bar:bar + 16])
    moving = bytes(moving)
    for row in range(ROWS):
        line = bytearray()
        for bit in bits[row * PER_ROW:(row + 1) * PER_ROW]:
            line += bytes([WHITE if bit else BLACK]) * BLOCK
        line = bytes(line)
        rows.append((TOP + row * BLOCK, line))
    y_plane = bytearray()
    code_rows = {}
    for top, line in rows:
        for y in range(top, top + BLOCK):
            code_rows[y] = line
    for y in range(HEIGHT):
        if y in code_rows:
            y_plane += code_rows[y]
        elif 200 <= y < 260:
            y_plane += moving
        else:
            y_plane += plain
    chroma = bytes([128]) * (WIDTH * HEIGHT // 4)
    return bytes(y_plane) + chroma + chroma


def paced(start, period, count, make):
    """Calls make(n) for n in range(count) at start + n * period; False stops."""
    for n in range(count):
        delay = start + n * period - time.time()
        if delay > 0:
            time.sleep(delay)
        try:
            if make(n) is False:
                return
        except (BrokenPipeError, ValueError):
            return


def main():
    fps = float(sys.argv[1]) if len(sys.argv) > 1 else 25.0
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    out = sys.stdout.buffer
    start = time.time()
    if len(sys.argv) > 3:
        sound = os.fdopen(int(sys.argv[3]), "wb")
        tone = struct.pack(f"<{RATE}h", *(int(8000 * math.sin(2 * math.pi * 440 * i / RATE)) for i in range(RATE)))
        chunk = RATE // 50

        def write_sound(n):
            first = (n * chunk) % RATE
            sound.write(tone[2 * first:2 * (first + chunk)] if first + chunk <= RATE
                        else tone[2 * first:] + tone[:2 * (first + chunk - RATE)])
            sound.flush()

        threading.Thread(target=paced, args=(start, 0.02, int(seconds * 50), write_sound), daemon=True).start()

    def write_picture(n):
        # The time the picture is taken: right before it leaves for the encoder.
        out.write(frame(int(time.time() * 1000), n))
        out.flush()

    paced(start, 1 / fps, int(fps * seconds), write_picture)


if __name__ == "__main__":
    main()

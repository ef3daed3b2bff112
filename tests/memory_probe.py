"""
Run by tests/test_security_bounds.py in a fresh process: the three attacks of issue 12 at once, in threads as a
gunicorn gthread worker would run them, plus a legitimate picture at the decoding budget; prints the process's peak
resident memory before and after as JSON.

    DJANGO_SETTINGS_MODULE=tests.settings python -m tests.memory_probe FOLDER
"""

import json
import resource
import sys
import threading
import tracemalloc
from pathlib import Path

import django


def peak_mb():
    """This process's peak resident memory. Linux keeps ru_maxrss across exec (it would include the parent pytest's
    size at fork), so the memory map's own high-water mark is read where there is one."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main(folder):
    django.setup()
    from django.core.exceptions import ValidationError  # after django.setup(): settings must be loaded

    from articles import renditions
    from interchange.importers import ParseError, files
    from tests.bombs import lying_zip, png_bomb

    folder = Path(folder)
    (folder / "understated.zip").write_bytes(lying_zip(real_size=64 * 1024**2, declared_size=100))
    (folder / "declared-huge.zip").write_bytes(lying_zip(real_size=1024, declared_size=450 * 1024**2))
    (folder / "bomb.png").write_bytes(png_bomb())
    (folder / "large.png").write_bytes(png_bomb(3200, 2400, channels=3))
    outcomes = {}

    def zip_attack(name):
        results = list(files.read_inputs([folder / name]))
        outcomes[name] = [type(result).__name__ + ": " + str(result) for result in results]

    def picture_attack():
        with open(folder / "bomb.png", "rb") as file:
            try:
                renditions.validate_image_file(file)
                outcomes["bomb.png"] = "accepted"
            except ValidationError as error:
                outcomes["bomb.png"] = error.code

    def large_picture():
        from PIL import Image  # the probe imports Pillow only where it decodes

        with open(folder / "large.png", "rb") as file:
            renditions.validate_image_file(file)
            with Image.open(file) as original:
                picture = renditions.prepare(original)
                sizes = [renditions.resize_to_width(picture, width).size for width in renditions.target_widths(3200)]
        outcomes["large.png"] = sizes

    baseline = peak_mb()
    tracemalloc.start()
    threads = [
        threading.Thread(target=zip_attack, args=("understated.zip",)),
        threading.Thread(target=zip_attack, args=("declared-huge.zip",)),
        threading.Thread(target=picture_attack),
        threading.Thread(target=large_picture),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _current, python_peak = tracemalloc.get_traced_memory()
    print(
        json.dumps(
            {
                "baseline_mb": round(baseline, 1),
                "peak_mb": round(peak_mb(), 1),
                "python_peak_mb": round(python_peak / 1024**2, 1),
                "outcomes": outcomes,
                "parse_error": ParseError.__name__,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])

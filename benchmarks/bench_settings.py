"""Product settings plus the benchmark URLconf (adds /bench/hello); used only by http_load."""

from cadretrain.config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.bench_urls"

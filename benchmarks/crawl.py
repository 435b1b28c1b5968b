"""Crawl benchmark on loopback: (a) a bare Scrapy spider fetching the article pages, (b) our first crawl end to end
(fetch + extract + clean + archive + WARC), (c) our second crawl of the unchanged site. Prints pages/s, b/a, c/b and
peak memory.

    .venv/bin/python benchmarks/crawl.py [--articles 2000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawler.settings import BASE_SETTINGS  # noqa: E402


def bare_crawl(url_file: str, concurrency: int) -> None:
    """Child mode: fetch every URL with the crawler's download settings and nothing else."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    urls = Path(url_file).read_text().split()

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self):  # noqa: ANN202
            for url in urls:
                yield scrapy.Request(url, callback=self.parse)

        def parse(self, response):  # noqa: ANN001, ANN202
            return None

    # the crawler's download settings and its trimmed Scrapy base lists (so the bare spider starts as fast as ours)
    keep = ("USER_AGENT", "ROBOTSTXT_OBEY", "COOKIES_ENABLED", "AUTOTHROTTLE_ENABLED", "AUTOTHROTTLE_TARGET_CONCURRENCY",
            "AUTOTHROTTLE_MAX_DELAY", "DOWNLOAD_TIMEOUT", "CONCURRENT_REQUESTS", "CONCURRENT_ITEMS",
            "TELNETCONSOLE_ENABLED", "REMOTE_CONTROL_ENABLED", "EXTENSIONS_BASE", "DOWNLOADER_MIDDLEWARES_BASE")
    settings = {k: BASE_SETTINGS[k] for k in keep}
    settings.update({"LOG_LEVEL": "WARNING", "DOWNLOAD_DELAY": 0.0, "AUTOTHROTTLE_START_DELAY": 0.0,
                     "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency})
    process = CrawlerProcess(settings)
    process.crawl(BareSpider)
    process.start()


@dataclass
class Usage:
    """What a phase's process tree used, sampled from /proc (psutil) every 50 ms: extraction workers forked by a
    forkserver are not children the phase's process waits for, so getrusage(RUSAGE_CHILDREN) would miss them."""

    cpu: float = 0.0  # seconds, user + system, summed over every process seen (each up to its last sample)
    peak_rss: int = 0  # bytes, the largest single process
    peak_total_rss: int = 0  # bytes, the largest sum over the tree at one moment (shared pages count per process)


def _waited_max_rss() -> int:
    """ru_maxrss over every descendant reaped so far (bytes): exact, but blind to forkserver workers."""
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


def _sample(root: int, usage: Usage, done: threading.Event) -> None:
    import psutil

    last_cpu: dict[tuple[int, float], float] = {}
    while not done.is_set():
        try:
            procs = [psutil.Process(root), *psutil.Process(root).children(recursive=True)]
        except psutil.Error:
            break
        total = 0
        for proc in procs:
            try:
                with proc.oneshot():
                    times, rss, born = proc.cpu_times(), proc.memory_info().rss, proc.create_time()
            except psutil.Error:
                continue
            last_cpu[(proc.pid, born)] = times.user + times.system
            usage.peak_rss = max(usage.peak_rss, rss)
            total += rss
        usage.peak_total_rss = max(usage.peak_total_rss, total)
        usage.cpu = sum(last_cpu.values())
        done.wait(0.05)


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, Usage, str]:
    """Wall seconds, the process tree's usage, stdout."""
    usage, done = Usage(), threading.Event()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    sampler = threading.Thread(target=_sample, args=(proc.pid, usage, done), daemon=True)
    sampler.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err[-3000:]}")
    return elapsed, usage, out


def _sources(base: str, concurrency: int) -> str:
    return "\n".join([
        "[[source]]", 'name = "bench"', 'allowed_domains = ["127.0.0.1"]',
        f'start_urls = ["{base}/list/index.html"]', r"follow_patterns = ['/list/index(_\d+)?\.html$']",
        r"article_patterns = ['/art/\d{4}/\d+\.html$']", f'sitemaps = ["{base}/sitemap.xml"]',
        'schedule = "every 6h"', "download_delay = 0.0", f"concurrency = {concurrency}", 'time_limit = "30m"', ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--bare", metavar="URL_FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        bare_crawl(args.bare, args.concurrency)
        return

    from replica.generated import generate_articles
    from replica.site import ReplicaSite

    site = ReplicaSite(articles=generate_articles(args.articles), per_page=20).start()
    try:
        for article in site.articles:  # render every page once, so no phase pays for the replica's first render
            site.serve_article(article.id)
        with tempfile.TemporaryDirectory(prefix="crawl-bench-") as tmp:
            run(site, Path(tmp), args)
    finally:
        site.stop()


def run(site, tmp: Path, args: argparse.Namespace) -> None:  # noqa: ANN001
    n = len(site.articles)
    urls = tmp / "urls.txt"
    urls.write_text("\n".join(site.base_url + a.path for a in site.articles))
    (tmp / "sources.toml").write_text(_sources(site.base_url, args.concurrency), encoding="utf-8")
    env = {**os.environ, "POLICY_ARCHIVE_HOME": str(tmp / "home")}
    cli = [sys.executable, "-m", "scheduler", "--db", f"sqlite:///{tmp / 'bench.sqlite3'}",
           "--sources", str(tmp / "sources.toml")]
    subprocess.run([*cli, "init"], check=True, capture_output=True, env=env, cwd=REPO)

    ta, ua, _ = _timed([sys.executable, __file__, "--bare", str(urls), "--concurrency", str(args.concurrency)], env)
    tb, ub, out_b = _timed([*cli, "crawl", "bench", "--json"], env)
    tc, uc, out_c = _timed([*cli, "crawl", "bench", "--json"], env)
    first, second = json.loads(out_b), json.loads(out_c)
    warc_bytes = sum(f.stat().st_size for f in (tmp / "home" / "warc").glob("*.warc.gz"))

    print(f"site: {n} articles on {site.base_url} (replica, generated), concurrency {args.concurrency}, "
          f"{os.cpu_count()} CPUs")
    mib = 2**20

    def used(u: Usage) -> str:
        return f"CPU {u.cpu:.1f}s  peak RSS {u.peak_rss / mib:.0f} MiB (one process) / {u.peak_total_rss / mib:.0f} MiB (all)"

    print(f"(a) bare scrapy fetch      {ta:7.1f}s  {n / ta:7.1f} pages/s  {used(ua)}")
    print(f"(b) first crawl, ours      {tb:7.1f}s  {n / tb:7.1f} pages/s  {used(ub)}  ({first['pages']} fetches, "
          f"{first['new_documents']} new documents, {first['errors']} errors, WARC {warc_bytes / mib:.1f} MiB)")
    print(f"(c) second crawl, ours     {tc:7.1f}s  {second['pages'] / tc:7.1f} fetches/s  {used(uc)}  "
          f"({second['pages']} fetches, {second['new_versions']} new versions)")
    print(f"b/a pages/s ratio {(n / tb) / (n / ta):.2f} (target >= 0.5)   "
          f"c/b wall-time ratio {tc / tb:.3f} (target <= 0.1)   "
          f"peak RSS of any crawl process {max(ub.peak_rss, uc.peak_rss) / mib:.0f} MiB (sampled every 50 ms; "
          f"getrusage's largest of the processes waited for: {_waited_max_rss() / mib:.0f} MiB)")

if __name__ == "__main__":
    main()

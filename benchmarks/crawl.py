"""Crawl benchmark on loopback: (a) a bare Scrapy spider fetching the article pages, (b) our first crawl end to end
(fetch + extract + clean + archive + WARC), (c) our second crawl of the unchanged site. Prints pages/s, b/a, c/b and
peak memory.

    .venv/bin/python benchmarks/crawl.py [--articles 2000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
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


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds of the process and its children, stdout."""
    start, cpu = time.perf_counter(), _cpu()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    return elapsed, _cpu() - cpu, proc.stdout


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

    ta, ca, _ = _timed([sys.executable, __file__, "--bare", str(urls), "--concurrency", str(args.concurrency)], env)
    mem_a = _peak_mib()
    tb, cb, out_b = _timed([*cli, "crawl", "bench", "--json"], env)
    mem_b = _peak_mib()
    tc, cc, out_c = _timed([*cli, "crawl", "bench", "--json"], env)
    first, second = json.loads(out_b), json.loads(out_c)
    warc_bytes = sum(f.stat().st_size for f in (tmp / "home" / "warc").glob("*.warc.gz"))

    print(f"site: {n} articles on {site.base_url} (replica, generated), concurrency {args.concurrency}, "
          f"{os.cpu_count()} CPUs")
    print(f"(a) bare scrapy fetch      {ta:7.1f}s  {n / ta:7.1f} pages/s  peak RSS so far {mem_a:6.0f} MiB  "
          f"CPU {ca:.1f}s")
    print(f"(b) first crawl, ours      {tb:7.1f}s  {n / tb:7.1f} pages/s  peak RSS so far {mem_b:6.0f} MiB  "
          f"({first['pages']} fetches, {first['new_documents']} new documents, {first['errors']} errors, "
          f"WARC {warc_bytes / 2**20:.1f} MiB) CPU {cb:.1f}s")
    print(f"(c) second crawl, ours     {tc:7.1f}s  {second['pages'] / tc:7.1f} fetches/s  "
          f"({second['pages']} fetches, {second['new_versions']} new versions) CPU {cc:.1f}s")
    print(f"b/a pages/s ratio {(n / tb) / (n / ta):.2f} (target >= 0.5)   "
          f"c/b wall-time ratio {tc / tb:.3f} (target <= 0.1)   peak RSS of any crawl process {_peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()

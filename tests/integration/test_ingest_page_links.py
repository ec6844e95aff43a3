"""A website's pages are stored under their URL by the ingest itself, on the queued path too: a page kept as
docs/vpn/index.html is cited as …/docs/vpn/ from the moment its batch commits, not only once the job has finished
and the sync corrected the links (real mirror of a local site, real Postgres, the task's body batch by batch)."""

from __future__ import annotations

import pytest

from core import db
from tests.conftest import make_settings
from tests.support.web_site import Site, page
from workers.embeddings import NoEmbedder
from workers.ingest_tasks import run_batch
from workers.kb import jobs, web_mirror


@pytest.fixture()
def site():
    s = Site().start()
    yield s
    s.stop()


def stored_links(url: str) -> tuple[dict[str, str], set[str]]:
    with db.connect(url) as conn:
        docs = {r["source_path"]: r["url"] for r in conn.execute("SELECT source_path, url FROM documents")}
        links = {r["link"] for r in conn.execute("SELECT link FROM chunks")}
    return docs, links


def test_a_queued_ingest_links_mirrored_pages_to_their_urls_as_it_stores_them(clean_db, site, tmp_path):
    site.put("/docs/vpn/", page("VPN", ("Hardware keys", "The VPN needs a hardware key since March.", "keys")))
    site.put("/docs/deploy.html", page("Deploy", ("Rollback", "Run make rollback within five minutes.", "rollback")))
    site.sitemap("/docs/vpn/", "/docs/deploy.html")
    folder = tmp_path / "mirror"
    spec = web_mirror.WebSpec("sitemap", f"{site.url}/sitemap.xml", max_pages=10, delay_s=0)
    mirror = web_mirror.sync_mirror(spec, folder)
    assert mirror.links() == {"docs/vpn/index.html": f"{site.url}/docs/vpn/",
                              "docs/deploy.html": f"{site.url}/docs/deploy.html"}  # fmt: skip

    settings = make_settings(clean_db)
    with db.connect(clean_db) as conn:
        job_id, batches = jobs.create_job(conn, folder, "intranet", url_base=site.url, batch_files=1)
    assert batches == 2
    run_batch(job_id, 0, settings, NoEmbedder())  # the job is still running: one batch of two committed
    docs, links = stored_links(clean_db)
    with db.connect(clean_db) as conn:
        assert jobs.progress(conn, job_id)["status"] == "running"
    assert docs == {"docs/deploy.html": f"{site.url}/docs/deploy.html"}
    assert f"{site.url}/docs/deploy.html#rollback" in links
    assert all(link.startswith(f"{site.url}/docs/deploy.html") for link in links)
    run_batch(job_id, 1, settings, NoEmbedder())
    docs, links = stored_links(clean_db)
    assert docs["docs/vpn/index.html"] == f"{site.url}/docs/vpn/"
    assert f"{site.url}/docs/vpn/#keys" in links and not any("index.html" in link for link in links)

    # An ordinary folder (no mirror state) keeps url_base/path links.
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.md").write_text("# Notes\n\nThe build server moved to the new rack in May.\n")
    with db.connect(clean_db) as conn:
        job_id, batches = jobs.create_job(conn, plain, "plain", url_base="https://example.test/kb")
    run_batch(job_id, 0, settings, NoEmbedder())
    docs, _ = stored_links(clean_db)
    assert docs["notes.md"] == "https://example.test/kb/notes.md"

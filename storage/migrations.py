"""Append-only, named schema migrations. Never edit an applied migration:
add a new one below. The schema is a public interface (see README)."""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("newscrawl")


@MIGRATIONS(name="0001_initial")
def m0001_initial(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY,
            started TEXT NOT NULL,
            finished TEXT,
            status TEXT NOT NULL DEFAULT 'running',
            command TEXT,
            stats TEXT
        );
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            site TEXT NOT NULL,
            site_name TEXT,
            title TEXT,
            authors TEXT NOT NULL DEFAULT '[]',
            published TEXT,
            body TEXT NOT NULL,
            language TEXT,
            description TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            image TEXT,
            word_count INTEGER,
            body_hash TEXT NOT NULL UNIQUE,
            extractor TEXT,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            run_id INTEGER REFERENCES crawl_runs(id)
        );
        CREATE INDEX idx_articles_site_published ON articles(site, published);
        CREATE INDEX idx_articles_published ON articles(published);
        CREATE TABLE article_urls (
            url TEXT PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            relation TEXT NOT NULL,
            site TEXT,
            first_seen TEXT NOT NULL
        );
        CREATE INDEX idx_article_urls_article ON article_urls(article_id);
        CREATE TABLE pages (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,
            article_id INTEGER REFERENCES articles(id),
            fetched_at TEXT NOT NULL,
            status INTEGER,
            headers TEXT,
            codec TEXT NOT NULL,
            html BLOB NOT NULL,
            size INTEGER NOT NULL,
            sha1 TEXT NOT NULL,
            run_id INTEGER REFERENCES crawl_runs(id)
        );
        CREATE INDEX idx_pages_article ON pages(article_id);
        CREATE INDEX idx_pages_url ON pages(url);
        CREATE TABLE urls (
            url TEXT PRIMARY KEY,
            fetched_url TEXT,
            site TEXT,
            first_seen TEXT NOT NULL,
            last_fetched TEXT,
            status INTEGER,
            outcome TEXT NOT NULL,
            reason TEXT,
            article_id INTEGER REFERENCES articles(id),
            fetch_count INTEGER NOT NULL DEFAULT 0,
            source TEXT,
            found_on TEXT,
            discovery TEXT,
            run_id INTEGER REFERENCES crawl_runs(id)
        );
        CREATE INDEX idx_urls_site_outcome ON urls(site, outcome);
        """
    )
    db["articles"].enable_fts(["title", "body"], fts_version="FTS5", create_triggers=True)


@MIGRATIONS(name="0002_near_duplicates")
def m0002_near_duplicates(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE article_signatures (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id),
            shingles INTEGER NOT NULL,
            minhash BLOB NOT NULL
        );
        CREATE TABLE minhash_bands (
            band INTEGER NOT NULL,
            key INTEGER NOT NULL,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            PRIMARY KEY (band, key, article_id)
        ) WITHOUT ROWID;
        """
    )


@MIGRATIONS(name="0003_url_signals")
def m0003_url_signals(db: sqlite_utils.Database) -> None:
    # What article detection measured on the page (JSON), so users can tune it.
    db.execute("ALTER TABLE urls ADD COLUMN signals TEXT")


@MIGRATIONS(name="0004_article_page_key")
def m0004_article_page_key(db: sqlite_utils.Database) -> None:
    # URL key of the page the article's fields were extracted from: lets the
    # original's own page replace a syndicated copy that happened to come first.
    db.execute("ALTER TABLE articles ADD COLUMN page_key TEXT")


@MIGRATIONS(name="0005_incremental_state_and_versions")
def m0005_incremental_state_and_versions(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        ALTER TABLE urls ADD COLUMN etag TEXT;
        ALTER TABLE urls ADD COLUMN last_modified TEXT;
        ALTER TABLE urls ADD COLUMN content_hash TEXT;
        ALTER TABLE urls ADD COLUMN next_check TEXT;
        CREATE INDEX idx_urls_next_check ON urls(next_check);
        ALTER TABLE articles ADD COLUMN updated TEXT;
        ALTER TABLE articles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE articles ADD COLUMN story_id INTEGER;
        CREATE INDEX idx_articles_story ON articles(story_id);
        CREATE TABLE article_versions (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            version INTEGER NOT NULL,
            first_seen TEXT NOT NULL,
            replaced_at TEXT NOT NULL,
            changed TEXT NOT NULL,
            title TEXT,
            authors TEXT,
            published TEXT,
            body TEXT NOT NULL,
            body_hash TEXT NOT NULL,
            run_id INTEGER REFERENCES crawl_runs(id),
            UNIQUE (article_id, version)
        );
        CREATE TABLE crawl_run_sites (
            run_id INTEGER NOT NULL REFERENCES crawl_runs(id),
            site TEXT NOT NULL,
            discovered INTEGER NOT NULL DEFAULT 0,
            fetched INTEGER NOT NULL DEFAULT 0,
            not_modified INTEGER NOT NULL DEFAULT 0,
            new INTEGER NOT NULL DEFAULT 0,
            updated INTEGER NOT NULL DEFAULT 0,
            duplicates INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            blocked INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (run_id, site)
        );
        """
    )


@MIGRATIONS(name="0006_urls_fetched_url_index")
def m0006_urls_fetched_url_index(db: sqlite_utils.Database) -> None:
    # pages.url -> urls.fetched_url joins (export-warc --site, reextract's page choice)
    db.execute("CREATE INDEX idx_urls_fetched_url ON urls(fetched_url)")


@MIGRATIONS(name="0007_fts_update_trigger_on_text_only")
def m0007_fts_update_trigger_on_text_only(db: sqlite_utils.Database) -> None:
    # sqlite-utils' trigger re-indexed title and body on any update, e.g. every
    # last_seen touch of a re-checked article; only a changed title or body needs it.
    db.executescript(
        """
        DROP TRIGGER IF EXISTS articles_au;
        CREATE TRIGGER articles_au AFTER UPDATE OF title, body ON articles BEGIN
          INSERT INTO articles_fts (articles_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
          INSERT INTO articles_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body);
        END;
        """
    )


@MIGRATIONS(name="0008_run_kind_and_extractor")
def m0008_run_kind_and_extractor(db: sqlite_utils.Database) -> None:
    # Every writer records a run: a crawl, a WARC import, a re-extraction or the cluster's
    # writer; and with which extractor its articles were made. Runs before this migration
    # were crawls, or imports whose command names them.
    db.executescript(
        """
        ALTER TABLE crawl_runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'crawl';
        ALTER TABLE crawl_runs ADD COLUMN extractor TEXT;
        UPDATE crawl_runs SET kind = 'import-warc' WHERE json_valid(command)
            AND json_extract(command, '$.command') = 'import-warc';
        """
    )


@MIGRATIONS(name="0009_scheduled_crawl_state")
def m0009_scheduled_crawl_state(db: sqlite_utils.Database) -> None:
    # Scheduled crawls that cost only what changed (issue 13):
    # - urls.signal_modified: the latest modification signal the site gave for the URL
    #   (sitemap lastmod, news-sitemap publication date, feed updated/published) when it
    #   was last stored or re-checked; a later signal newer than it means "re-check".
    # - urls.listing, links_hash, revisit_interval, next_visit: listing pages (tags,
    #   authors, archives, deep pagination...) are revisited on an interval that doubles
    #   while their same-site links stay the same and resets when they change.
    # - articles.modified, article_versions.modified: the page's dateModified (else the
    #   sitemap/feed's lastmod), per article and per version.
    # - crawl_run_sites: what a run cost per site (requests by kind, listings not due).
    db.executescript(
        """
        ALTER TABLE urls ADD COLUMN signal_modified TEXT;
        ALTER TABLE urls ADD COLUMN listing TEXT;
        ALTER TABLE urls ADD COLUMN links_hash TEXT;
        ALTER TABLE urls ADD COLUMN revisit_interval INTEGER;
        ALTER TABLE urls ADD COLUMN next_visit TEXT;
        ALTER TABLE articles ADD COLUMN modified TEXT;
        ALTER TABLE article_versions ADD COLUMN modified TEXT;
        ALTER TABLE crawl_run_sites ADD COLUMN article_requests INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE crawl_run_sites ADD COLUMN listing_requests INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE crawl_run_sites ADD COLUMN discovery_requests INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE crawl_run_sites ADD COLUMN listings_not_due INTEGER NOT NULL DEFAULT 0;
        """
    )


@MIGRATIONS(name="0010_documents")
def m0010_documents(db: sqlite_utils.Database) -> None:
    # The last copy of every robots.txt, sitemap, feed and listing page the server gave
    # validators for (ETag / Last-Modified): the next run asks with a conditional GET,
    # and a 304 is read from here, so an unchanged document costs no download but its
    # entries and links are still followed (a page a failed run missed is fetched).
    db.executescript(
        """
        CREATE TABLE documents (
            url TEXT PRIMARY KEY,
            fetched_url TEXT NOT NULL,
            kind TEXT NOT NULL,
            site TEXT,
            fetched_at TEXT NOT NULL,
            etag TEXT,
            last_modified TEXT,
            content_type TEXT,
            codec TEXT NOT NULL,
            body BLOB NOT NULL,
            size INTEGER NOT NULL,
            run_id INTEGER REFERENCES crawl_runs(id)
        );
        """
    )
@MIGRATIONS(name="0011_pages_rendered")
def m0011_pages_rendered(db: sqlite_utils.Database) -> None:
    # The browser that rendered a page whose stored html is its rendered DOM (an
    # application shell run through headless Chromium); NULL: the html as fetched.
    db.execute("ALTER TABLE pages ADD COLUMN rendered TEXT")


@MIGRATIONS(name="0012_article_record_fields")
def m0012_article_record_fields(db: sqlite_utils.Database) -> None:
    # Richer article records (issue 17), all NULL until the article is extracted by
    # newscrawl-6 or later (a crawl, or `newscrawl reextract` on the stored pages):
    # - articles.images: JSON list of {"url", "caption", "credit", "width"?}, the lead
    #   image first, then the images inside the body;
    # - articles.body_html: the body as sanitised structural HTML (same paragraphs);
    # - articles.section: the site's section; articles.paywalled: 1 the page says its
    #   text is cut, 0 it says it is free, NULL it says nothing;
    # - article_versions.body_html: each earlier version's HTML beside its body.
    db.executescript(
        """
        ALTER TABLE articles ADD COLUMN images TEXT;
        ALTER TABLE articles ADD COLUMN body_html TEXT;
        ALTER TABLE articles ADD COLUMN section TEXT;
        ALTER TABLE articles ADD COLUMN paywalled INTEGER;
        ALTER TABLE article_versions ADD COLUMN body_html TEXT;
        """
    )

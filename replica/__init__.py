"""A local policy site on 127.0.0.1 for the offline demo and the end-to-end tests."""

from replica.chrome import JUNK, RenderedPage, junk_for, render_article
from replica.content import ARTICLES, ReplicaArticle
from replica.site import ReplicaSite

__all__ = ["ARTICLES", "JUNK", "RenderedPage", "ReplicaArticle", "ReplicaSite", "junk_for", "render_article"]

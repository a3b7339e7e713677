"""reporter: cross-source briefings of news articles, with verbatim evidence for every flag."""

__version__ = "0.1.0"

"""Repositories, one module per aggregate. Every function takes a Session and never commits:
the calling service owns the transaction. ``editron.db.repositories`` re-exports them all."""

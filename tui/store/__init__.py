"""The store of account snapshots, its refresh schedule and its sort orders; no Textual."""

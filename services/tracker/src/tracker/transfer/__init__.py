"""Import from other trackers and our own export; export as CSV or lossless JSON."""

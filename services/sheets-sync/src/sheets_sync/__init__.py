"""jobhunt sheets sync: two-way sync of the tracker with a Google Sheet."""

"""jobhunt keyword analyzer: skill extraction and ATS-style match scores."""
